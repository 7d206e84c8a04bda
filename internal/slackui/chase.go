package slackui

import "fmt"

// Thread replies for the timers that chase an undecided step. Both are
// mrkdwn and mention people on purpose: the point is to notify them.

// ReminderReply reminds the current step's approvers. Approvers without a
// Slack account are named instead of mentioned.
func ReminderReply(c Card, approvers []Person) string {
	text := fmt.Sprintf("🔔 Still waiting for step %s (%s)", stepOf(c.Step, c.TotalSteps), orDash(EscapeTruncate(c.StepRole, maxRole)))
	if since := c.stepSince(); !since.IsZero() {
		text += " since " + slackDate(since)
	}
	text += "."
	if who := listMentions(personMentions(approvers), " "); who != "" {
		text += " " + who
	}
	return Truncate(text, maxText)
}

// EscalationReply records in the card's thread that the request was
// escalated, and after how long (up to c.EscalatedAt).
func EscalationReply(c Card) string {
	text := "🚨 Escalated to " + c.EscalatedTo.target()
	if d := waited(c, c.EscalatedAt); d != "" {
		text += " after " + d
	}
	return Truncate(text, maxText)
}
