package slackui

import "fmt"

// CardText is the message's top-level text: what notifications and screen
// readers show. It is already escaped, so send it without slack-go's
// escaping (slack.MsgOptionText(text, false)).
func CardText(c Card) string {
	text := fmt.Sprintf("%s: %s on %s for %s (step %s)",
		stateLabel(c),
		orDash(EscapeTruncate(c.Role, maxRole)),
		databaseSummary(c.Databases, maxDatabase),
		c.requester().Mention(),
		stepOf(c.Step, c.TotalSteps))
	return Truncate(text, maxText)
}

func stateLabel(c Card) string {
	if c.Failure != "" || c.State == StateFailed {
		return "Needs attention in Bytebase"
	}
	switch c.State {
	case StatePending:
		return "Approval needed"
	case StateApproved:
		return "Approved"
	case StateDenied:
		return "Denied"
	case StateExpired:
		return "Expired"
	case StateDecidedInBytebase:
		return bytebaseOutcome(c)
	case StateClosed:
		return "Closed in Bytebase"
	}
	return "Access request"
}
