package slackui

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"
)

// CardBlocks renders the full approval card. A pending card gets Approve and
// Deny buttons (a notify-only one, a link to Bytebase); any other card shows
// its outcome instead, so stale buttons can't be clicked.
func CardBlocks(c Card) []slack.Block {
	approve, deny, ok := buttonValues(c)
	if !ok && c.interactive() {
		// Only a jitflow bug makes the ID this long; show it rather than drop it.
		c.Failure = "The approval buttons could not be built (workflow ID too long)."
	}
	blocks := []slack.Block{
		headerBlock(c),
		detailsBlock(c),
		reasonBlock(c),
		contextBlock(c),
		statusBlock(c),
	}
	switch {
	case c.interactive():
		blocks = append(blocks, actionsBlock(c, approve, deny))
	case c.open():
		if review := reviewBlock(c); review != nil {
			blocks = append(blocks, review)
		}
	}
	return blocks
}

// headerBlock caps each piece so the whole stays under the 150-rune limit
// without cutting an escaped entity.
func headerBlock(c Card) slack.Block {
	text := fmt.Sprintf("🔐 Access request: %s on %s", orDash(EscapeTruncate(c.Role, 60)), databaseSummary(c.Databases, 50))
	return slack.NewHeaderBlock(plain(Truncate(text, maxHeader)))
}

func detailsBlock(c Card) slack.Block {
	fields := []*slack.TextBlockObject{
		field("Requester", c.requester().Mention()),
		field("Role", orDash(EscapeTruncate(c.Role, maxRole))),
		field("Databases", databaseList(c.Databases, maxField-len("*Databases*\n"))),
		field("Grant expires", grantExpiry(c)),
		field("Step", fmt.Sprintf("%s · %s", stepOf(c.Step, c.TotalSteps), orDash(EscapeTruncate(c.StepRole, maxRole)))),
		field("Project", orDash(EscapeTruncate(c.Project, maxProject))),
	}
	return slack.NewSectionBlock(nil, fields, nil)
}

func reasonBlock(c Card) slack.Block {
	const label = "*Reason*\n"
	body := quote(c.Reason, maxText-runes(label))
	if strings.TrimSpace(c.Reason) == "" {
		body = "_No reason given._"
	}
	return textSection(label + body)
}

func contextBlock(c Card) slack.Block {
	text := fmt.Sprintf("Issue #%d", c.IssueNumber)
	if c.Title != "" {
		text += ": " + EscapeTruncate(c.Title, maxTitle)
	}
	if link := bytebaseLink(c.Link); link != "" {
		text = link + " · " + text
	}
	return slack.NewContextBlock("", mrkdwn(text))
}

func statusBlock(c Card) slack.Block {
	return textSection(statusText(c))
}

// textSection is a section of one mrkdwn text, already escaped.
func textSection(text string) slack.Block {
	return slack.NewSectionBlock(mrkdwn(text), nil, nil)
}

// grantExpiry says when the granted access ends, if it does.
func grantExpiry(c Card) string {
	switch {
	case !c.GrantExpiresAt.IsZero() && c.GrantDuration > 0:
		return fmt.Sprintf("%s (%s)", slackDate(c.GrantExpiresAt), shortDuration(c.GrantDuration))
	case !c.GrantExpiresAt.IsZero():
		return slackDate(c.GrantExpiresAt)
	case c.GrantDuration > 0:
		return shortDuration(c.GrantDuration) + " after approval"
	}
	return "No expiry"
}

func field(label, value string) *slack.TextBlockObject {
	return mrkdwn("*" + label + "*\n" + value)
}

func mrkdwn(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, false)
}

func plain(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, true, false)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
