package slackui

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"
)

// IDs of the deny modal. A view_submission with DenyModalCallbackID carries
// the reason at state.values[DenyReasonBlockID][DenyReasonActionID].
const (
	DenyModalCallbackID = "jit_deny_modal"
	DenyReasonBlockID   = "deny_reason"
	DenyReasonActionID  = "reason"
)

// DenyModal is the view the Deny button opens (views.open) to ask for a
// reason, required when c.RequireDenyReason. A view_submission carries no
// channel or message, so privateMetadata must say which request this is;
// it is sent unchanged, and the caller keeps it within MaxPrivateMetadata.
func DenyModal(c Card, privateMetadata string) slack.ModalViewRequest {
	input := slack.NewPlainTextInputBlockElement(plain("Why is this request denied?"), DenyReasonActionID).
		WithMultiline(true).
		WithMaxLength(maxDenyReasonInput)
	reason := slack.NewInputBlock(DenyReasonBlockID, plain("Reason"),
		plain("Goes to the requester and into the rejection comment in Bytebase."), input).
		WithOptional(!c.RequireDenyReason)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      DenyModalCallbackID,
		Title:           plain("Deny access"),
		Submit:          plain("Deny"),
		Close:           plain("Cancel"),
		PrivateMetadata: privateMetadata,
		Blocks:          slack.Blocks{BlockSet: []slack.Block{textSection(denySummary(c)), reason}},
	}
}

// denySummary reminds the approver what they deny, with the requester's
// reason shortened: the modal is for the answer, not the whole story.
func denySummary(c Card) string {
	text := fmt.Sprintf("Deny *%s* on *%s* for %s (step %s · %s)?",
		orDash(EscapeTruncate(c.Role, maxRole)),
		databaseSummary(c.Databases, maxDatabase),
		c.requester().Mention(),
		stepOf(c.Step, c.TotalSteps),
		orDash(EscapeTruncate(c.StepRole, maxRole)))
	if strings.TrimSpace(c.Reason) != "" {
		text += "\n" + quote(c.Reason, maxModalReason)
	}
	return text
}

// DenyReason is the reason typed into a submitted deny modal, trimmed, or ""
// when there is none. It is plain text: escape it wherever it is shown.
func DenyReason(state *slack.ViewState) string {
	if state == nil {
		return ""
	}
	reason := strings.TrimSpace(state.Values[DenyReasonBlockID][DenyReasonActionID].Value)
	// Slack enforces max_length; the cap keeps any other payload from
	// carrying more into Bytebase and the DMs.
	return Truncate(reason, maxDenyReasonInput)
}

// DenyReasonRequiredError is the errors map of a response_action "errors"
// reply: it shows the message under the reason field.
func DenyReasonRequiredError() map[string]string {
	return map[string]string{DenyReasonBlockID: "Please say why this request is denied."}
}
