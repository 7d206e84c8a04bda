package slackui

import "fmt"

// Private replies to the person who clicked a button. They are mrkdwn and
// already escaped.

// EphemeralDone confirms the clicker's decision. c is the card as it was
// when they clicked, so c.Step is the step they decided.
func EphemeralDone(action string, c Card) string {
	what := fmt.Sprintf("*%s* on *%s* for %s",
		orDash(EscapeTruncate(c.Role, maxRole)), databaseSummary(c.Databases, maxDatabase), c.requester().Mention())
	switch action {
	case ActionApprove:
		return fmt.Sprintf("✅ You approved step %s (%s) of %s.", stepOf(c.Step, c.TotalSteps), orDash(EscapeTruncate(c.StepRole, maxRole)), what)
	case ActionDeny:
		return fmt.Sprintf("❌ You denied %s.", what)
	}
	return "Your response to " + what + " was recorded."
}

// EphemeralStale tells a clicker the request no longer waits for them, and
// where it stands instead.
func EphemeralStale(c Card) string {
	return "This request is no longer waiting for you.\n" + Truncate(outcomeLine(c), maxText-50)
}

// EphemeralRefused tells a clicker why their click had no effect.
func EphemeralRefused(reason string) string {
	return "🚫 " + EscapeTruncate(reason, maxFailure)
}
