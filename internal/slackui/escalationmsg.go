package slackui

import (
	"fmt"

	"github.com/slack-go/slack"
)

// EscalationMessage is the post in the escalation channel: who must act,
// what waits and for how long (up to c.EscalatedAt), and where to decide.
// text is the top-level text and is already escaped: send it with
// slack.MsgOptionText(text, false).
func EscalationMessage(c Card) (text string, blocks []slack.Block) {
	alarm := "🚨 Escalated"
	if who := c.EscalatedTo.Mentions(); who != "" {
		alarm += " to " + who
	}
	if d := waited(c, c.EscalatedAt); d != "" {
		alarm += ": this access request has waited *" + d + "* for a decision."
	} else {
		alarm += ": this access request is waiting for a decision."
	}
	what := fmt.Sprintf("%s → *%s* on *%s* · step %s (%s)",
		c.requester().Mention(),
		orDash(EscapeTruncate(c.Role, maxRole)),
		databaseSummary(c.Databases, maxDatabase),
		stepOf(c.Step, c.TotalSteps),
		orDash(EscapeTruncate(c.StepRole, maxRole)))
	if since := c.stepSince(); !since.IsZero() {
		what += " · waiting since " + slackDate(since)
	}
	intro := alarm + "\n" + what
	where := decideWhere(c)
	blocks = []slack.Block{
		textSection(intro),
		detailsBlock(c),
		reasonBlock(c),
		contextBlock(c),
		textSection(where),
	}
	return Truncate(intro+"\n"+where, maxText), blocks
}

// decideWhere points to where the decision is made: the card's channel, or
// Bytebase for a notify-only request.
func decideWhere(c Card) string {
	if !c.inSlack() {
		if link := bytebaseLink(c.Link); link != "" {
			return "Decide in Bytebase: " + link
		}
		return "Decide in Bytebase."
	}
	if ch := channelLink(c.Channel); ch != "" {
		return "Decide on the card in " + ch + "."
	}
	return "Decide on the request card."
}
