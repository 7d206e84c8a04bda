package slackui

import (
	"fmt"
	"strings"
)

// Direct messages to the requester. They are mrkdwn and already escaped:
// send them with slack.MsgOptionText(text, false).

// DMPosted tells the requester the request is waiting, and for whom.
func DMPosted(c Card, reviewers []Person) string {
	text := fmt.Sprintf("⏳ %s is waiting for *%s* approval (step %s).",
		yourRequest(c), orDash(EscapeTruncate(c.StepRole, maxRole)), stepOf(c.Step, c.TotalSteps))
	if who := listMentions(personMentions(reviewers), ", "); who != "" {
		text += " Reviewers: " + who + "."
	}
	return dm(c, text)
}

// DMApproved tells the requester who approved and when access ends.
func DMApproved(c Card) string {
	return dm(c, "✅ "+yourRequest(c)+" was *approved*"+decidedBy(c)+".", accessEnds(c))
}

// DMDenied tells the requester who denied, and why.
func DMDenied(c Card) string {
	why := "No reason was given."
	if strings.TrimSpace(c.DenyReason) != "" {
		why = "Reason:\n" + quote(c.DenyReason, maxDenyReason)
	}
	return dm(c, "❌ "+yourRequest(c)+" was *denied*"+decidedBy(c)+".", why)
}

// DMExpired tells the requester nobody decided in time.
func DMExpired(c Card) string {
	return dm(c, "⌛ "+yourRequest(c)+" *expired* without a decision"+at(c)+".", EscapeTruncate(strings.TrimSpace(c.ExpiryNote), maxExpiryNote))
}

// DMDecidedInBytebase tells the requester what happened in Bytebase.
func DMDecidedInBytebase(c Card) string {
	ends := ""
	if c.DecidedInBytebase == BytebaseApproved {
		ends = accessEnds(c)
	}
	return dm(c, "↩️ "+yourRequest(c)+" was *"+bytebaseVerb(c)+"* in Bytebase"+decidedBy(c)+".", ends)
}

// yourRequest names the request from the requester's side.
func yourRequest(c Card) string {
	return fmt.Sprintf("Your request for *%s* on *%s*", orDash(EscapeTruncate(c.Role, maxRole)), databaseSummary(c.Databases, maxDatabase))
}

// accessEnds says when granted access ends.
func accessEnds(c Card) string {
	if c.GrantExpiresAt.IsZero() && c.GrantDuration <= 0 {
		return "Access does not expire."
	}
	return "Access expires " + grantExpiry(c) + "."
}

// dm joins the non-empty lines and the Bytebase link, within the text limit.
// Every line is capped far below it, so the final cut is only a safety net.
func dm(c Card, lines ...string) string {
	var kept []string
	for _, l := range append(lines, bytebaseLink(c.Link)) {
		if l != "" {
			kept = append(kept, l)
		}
	}
	return Truncate(strings.Join(kept, "\n"), maxText)
}
