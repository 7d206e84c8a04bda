package slackui

import (
	"fmt"
	"strings"
	"time"
)

// pendingLine says which step waits, since when, and what happens next if
// nobody decides. A notify-only card also says where deciding happens.
func pendingLine(c Card) string {
	parts := []string{fmt.Sprintf("⏳ Pending step %s (*%s*)", stepOf(c.Step, c.TotalSteps), orDash(EscapeTruncate(c.StepRole, maxRole)))}
	for _, p := range []struct {
		label string
		at    time.Time
	}{{"waiting since", c.stepSince()}, {"escalates", c.EscalatesAt}, {"auto-denied", c.ExpiresAt}} {
		if !p.at.IsZero() {
			parts = append(parts, p.label+" "+slackDate(p.at))
		}
	}
	line := strings.Join(parts, " · ")
	if !c.inSlack() {
		line += "\n_Approvals for this request happen in Bytebase; this card follows along._"
	}
	return line
}

// chaseLines say what was done so far to get the current step decided.
func chaseLines(c Card) []string {
	var lines []string
	if !c.RemindedAt.IsZero() {
		lines = append(lines, "🔔 Reminded "+slackDate(c.RemindedAt))
	}
	if !c.EscalatedAt.IsZero() {
		lines = append(lines, "🚨 Escalated to "+c.EscalatedTo.target()+" "+slackDate(c.EscalatedAt))
	}
	return lines
}

// waited is how long the current step had waited at now, or "" when
// either time is unknown. The package reads no clock, so now is an input.
func waited(c Card, now time.Time) string {
	since := c.stepSince()
	if since.IsZero() || now.IsZero() || now.Before(since) {
		return ""
	}
	return shortDuration(now.Sub(since))
}
