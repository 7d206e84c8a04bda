package slackui

import (
	"fmt"
	"strings"
)

// statusText is the card's state section: steps already approved through the
// card, then the current outcome. Old steps give way first if it's too long.
func statusText(c Card) string {
	steps := c.StepsApproved
	if n := len(steps); c.State == StateApproved && n > 0 && steps[n-1].Step == c.Step {
		steps = steps[:n-1] // the final approval is the outcome line; don't say it twice
	}
	var lines []string
	for _, d := range steps {
		lines = append(lines, stepLine(d, c.TotalSteps))
	}
	lines = append(lines, outcomeLine(c))
	if c.State == StatePending {
		lines = append(lines, chaseLines(c)...)
		if c.Trouble != "" {
			lines = append(lines, troubleLine(c))
		}
	}
	if c.Failure != "" && c.State != StateFailed {
		lines = append(lines, failureLine(c.Failure))
	}
	return fitLines(lines, len(steps), maxText)
}

// stepLine records one approved step.
func stepLine(d StepDecision, total int) string {
	line := fmt.Sprintf("✅ Step %s (%s) approved by %s", stepOf(d.Step, total), orDash(EscapeTruncate(d.Role, maxRole)), d.By.Mention())
	if !d.At.IsZero() {
		line += " " + slackDate(d.At)
	}
	return line
}

// outcomeLine says where the request stands, with an emoji per state.
func outcomeLine(c Card) string {
	switch c.State {
	case StatePending:
		return pendingLine(c)
	case StateApproved:
		return "✅ *Approved*" + decidedBy(c) + accessUntil(c)
	case StateDenied:
		line := "❌ *Denied*" + decidedBy(c)
		if c.DenyReason != "" {
			line += "\n" + quote(c.DenyReason, maxDenyReason)
		}
		return line
	case StateExpired:
		line := "⌛ *Expired* without a decision" + at(c)
		if note := strings.TrimSpace(c.ExpiryNote); note != "" {
			line += "\n" + EscapeTruncate(note, maxExpiryNote)
		}
		return line
	case StateDecidedInBytebase:
		line := "↩️ *" + bytebaseOutcome(c) + "*" + decidedBy(c)
		if c.DecidedInBytebase == BytebaseApproved {
			line += accessUntil(c)
		}
		return line
	case StateClosed:
		return "🚫 *Closed or canceled in Bytebase*" + at(c)
	case StateFailed:
		return failureLine(c.Failure)
	}
	return "❔ Unknown state " + EscapeTruncate(string(c.State), maxRole)
}

// failureLine says what broke and that Slack can no longer finish the job.
func failureLine(failure string) string {
	if failure == "" {
		failure = "Something went wrong."
	}
	return "⚠️ *Failed:* " + EscapeTruncate(failure, maxFailure) + "\nA human must act in Bytebase."
}

// troubleLine says what jitflow is still retrying, and since when.
func troubleLine(c Card) string {
	line := "⚠️ " + EscapeTruncate(c.Trouble, maxFailure)
	if !c.TroubleSince.IsZero() {
		line += " (since " + slackDate(c.TroubleSince) + ")"
	}
	return line + ". jitflow keeps retrying; nothing is lost."
}

// accessUntil says when granted access ends, if the card knows.
func accessUntil(c Card) string {
	if c.GrantExpiresAt.IsZero() {
		return ""
	}
	return ". Access expires " + slackDate(c.GrantExpiresAt)
}

func decidedBy(c Card) string {
	s := ""
	if c.Decider != nil {
		s = " by " + c.Decider.Mention()
	}
	return s + at(c)
}

func at(c Card) string {
	if c.DecidedAt.IsZero() {
		return ""
	}
	return " " + slackDate(c.DecidedAt)
}

// fitLines joins lines, dropping the first droppable ones (oldest steps) and
// saying how many went, until the text fits limit runes. The lines that
// remain are each far below the limit, so no markup is ever cut.
func fitLines(lines []string, droppable, limit int) string {
	text := strings.Join(lines, "\n")
	for dropped := 1; runes(text) > limit && dropped <= droppable; dropped++ {
		text = fmt.Sprintf("_%d earlier steps not shown_\n", dropped) + strings.Join(lines[dropped:], "\n")
	}
	return Truncate(text, limit)
}
