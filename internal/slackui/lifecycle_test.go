package slackui

import "github.com/slack-go/slack"

// denyMetadata is what the gateway might keep in the deny modal.
const denyMetadata = `{"wf":"jit/project-sample/123","step":1,"ch":"C0DBACCESS","ts":"1700000000.000100"}`

// escalation is an EscalationMessage, as a golden file holds it.
type escalation struct {
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks"`
}

func escalationOf(c Card) escalation {
	text, blocks := EscalationMessage(c)
	return escalation{Text: text, Blocks: blocks}
}

// lifecycleTexts renders every thread reply and DM for c and for c moved to
// each end state. Who decided, why and the expiry note come from c; a card
// without a decider gets owner.
func lifecycleTexts(c Card, approvers []Person) map[string]string {
	if c.Decider == nil {
		c.Decider = &owner
	}
	end := func(s State, bytebase string) Card {
		d := c
		d.State, d.DecidedAt, d.DecidedInBytebase = s, decided, bytebase
		return d
	}
	return map[string]string{
		"reminder":           ReminderReply(c, approvers),
		"escalationReply":    EscalationReply(c),
		"dmPosted":           DMPosted(c, approvers),
		"dmApproved":         DMApproved(end(StateApproved, "")),
		"dmDenied":           DMDenied(end(StateDenied, "")),
		"dmExpired":          DMExpired(end(StateExpired, "")),
		"dmBytebaseApproved": DMDecidedInBytebase(end(StateDecidedInBytebase, BytebaseApproved)),
		"dmBytebaseRejected": DMDecidedInBytebase(end(StateDecidedInBytebase, BytebaseRejected)),
		"dmBytebaseCanceled": DMDecidedInBytebase(end(StateDecidedInBytebase, BytebaseCanceled)),
	}
}

// goldenLifecycle are the golden-tested renderings besides cards, by file
// name.
func goldenLifecycle() map[string]any {
	c := escalatedCard()
	c.DenyReason = "Use the reporting replica instead."
	c.ExpiryNote = "No decision within 2h; denied automatically"
	notify := c
	notify.Mode = ModeNotifyOnly

	hostile := hostileLifecycle()
	hostileApprovers := []Person{{SlackID: "<!channel>", Name: "<https://evil|x>"}, {Email: "a&b@<!here>"}}
	return map[string]any{
		"deny_modal":                DenyModal(c, denyMetadata),
		"escalation_message":        escalationOf(c),
		"escalation_message_notify": escalationOf(notify),
		"lifecycle_texts":           lifecycleTexts(c, []Person{dba, {Name: "Nia No-Slack", Email: "nia@example.com"}}),
		"lifecycle_hostile": map[string]any{
			"texts":      lifecycleTexts(hostile, hostileApprovers),
			"escalation": escalationOf(hostile),
			"denyModal":  DenyModal(hostile, denyMetadata),
		},
	}
}
