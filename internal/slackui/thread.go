package slackui

import "fmt"

// ThreadReply is the audit line posted in the card's thread when the card
// moves to c.State.
func ThreadReply(c Card) string {
	text := outcomeLine(c)
	switch {
	case c.State == StatePending && len(c.StepsApproved) > 0:
		text = stepLine(c.StepsApproved[len(c.StepsApproved)-1], c.TotalSteps) + "\n" + text
	case c.State == StateApproved && c.TotalSteps > 1:
		text = fmt.Sprintf("✅ Step %s (%s) approved%s. *Access granted*", stepOf(c.Step, c.TotalSteps), orDash(EscapeTruncate(c.StepRole, maxRole)), decidedBy(c))
		if !c.GrantExpiresAt.IsZero() {
			text += " until " + slackDate(c.GrantExpiresAt)
		}
	}
	if c.Failure != "" && c.State != StateFailed {
		text += "\n" + failureLine(c.Failure)
	}
	if link := bytebaseLink(c.Link); link != "" && (c.Failure != "" || c.State == StateFailed) {
		text += " " + link
	}
	return Truncate(text, maxText)
}

// RefusedReply is the audit line in the card's thread for a click that was
// refused, so refused attempts are as visible as accepted ones.
func RefusedReply(by Person, action string, step, totalSteps int, reason string) string {
	verb := "approve"
	if action == ActionDeny {
		verb = "deny"
	}
	return Truncate(fmt.Sprintf("🚫 %s tried to %s step %s: refused. %s",
		by.Mention(), verb, stepOf(step, totalSteps), EscapeTruncate(reason, maxFailure)), maxText)
}
