// Package webhook decodes the bodies Bytebase's project webhooks send, in all
// three shapes (Slack blocks ≤3.16, Slack attachments ≥3.17, CUSTOM ≤3.4).
// It takes only the project and the issue number from them: everything else is
// read from Bytebase's API, because webhooks are unsigned.
package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/jitflow/jitflow/internal/bytebase"
)

// Shape is the body format, which also decides the reply Bytebase expects.
type Shape string

const (
	ShapeSlackBlocks      Shape = "slack-blocks"      // Bytebase ≤ 3.16 SLACK webhook
	ShapeSlackAttachments Shape = "slack-attachments" // Bytebase ≥ 3.17 SLACK webhook
	ShapeCustom           Shape = "custom"            // Bytebase ≤ 3.4 CUSTOM webhook
)

// Event is what jitflow needs from a webhook.
type Event struct {
	Shape Shape
	// Name is the event as Bytebase named it (activity type or title).
	Name string
	// ApprovalNeeded is true for "Issue approval needed" / "Approval required".
	ApprovalNeeded bool
	Issue          bytebase.IssueRef
}

// Errors a caller can tell apart (all mean: reply 400, start nothing).
var (
	ErrMalformed    = errors.New("body is not a JSON object")
	ErrUnknownShape = errors.New("body is not a Bytebase webhook (no text/blocks, attachments or activity_type)")
	ErrNoIssueLink  = errors.New("webhook has no Bytebase issue link")
)

// body has the fields of all three shapes; which are present tells the shape.
type body struct {
	Text        *string      `json:"text"`
	Blocks      []block      `json:"blocks"`
	Attachments []attachment `json:"attachments"`

	ActivityType *string `json:"activity_type"`
	Title        string  `json:"title"`
	Link         string  `json:"link"`
	Issue        *struct {
		ID int64 `json:"id"`
	} `json:"issue"`
	Project *struct {
		Name string `json:"name"`
	} `json:"project"`
}

type attachment struct {
	Blocks []block `json:"blocks"`
}

type block struct {
	Type     string    `json:"type"`
	Text     *textObj  `json:"text"`
	Elements []element `json:"elements"`
}

type element struct {
	Type string `json:"type"`
	Text any    `json:"text"` // a text object on buttons, a string on context mrkdwn
	URL  string `json:"url"`
}

type textObj struct {
	Text string `json:"text"`
}

// Parse decodes a webhook body.
func Parse(data []byte) (Event, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return Event{}, ErrMalformed
	}
	var b body
	if err := json.Unmarshal(data, &b); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch {
	case b.ActivityType != nil:
		return parseCustom(b)
	case len(b.Attachments) > 0:
		var blocks []block
		for _, at := range b.Attachments {
			blocks = append(blocks, at.Blocks...)
		}
		return parseSlack(ShapeSlackAttachments, "", blocks)
	case len(b.Blocks) > 0 || b.Text != nil:
		text := ""
		if b.Text != nil {
			text = *b.Text
		}
		return parseSlack(ShapeSlackBlocks, text, b.Blocks)
	default:
		return Event{}, ErrUnknownShape
	}
}

func parseCustom(b body) (Event, error) {
	ev := Event{Shape: ShapeCustom, Name: *b.ActivityType}
	ev.ApprovalNeeded = ev.Name == "bb.issue.approval.notify"
	ref, err := IssueFromLink(b.Link)
	if err != nil {
		return ev, err
	}
	ev.Issue = ref
	return ev, nil
}

// approvalTitles are how the Slack shapes say "approval needed", by version.
var approvalTitles = []string{"Issue approval needed", "Approval required"}

// mrkdwnLink matches <url|label> in mrkdwn.
var mrkdwnLink = regexp.MustCompile(`<(https?://[^|>]+)\|([^>]*)>`)

func parseSlack(shape Shape, text string, blocks []block) (Event, error) {
	ev := Event{Shape: shape, Name: strings.TrimSpace(text)}
	var link string
	for _, bl := range blocks {
		if bl.Text != nil {
			t := bl.Text.Text
			if ev.Name == "" {
				ev.Name = strings.Trim(stripMrkdwnLink(t), "*\u26a0\ufe0f \u00a0")
			}
			if m := mrkdwnLink.FindStringSubmatch(t); m != nil && link == "" && isIssueLink(m[1]) {
				link = m[1]
			}
		}
		for _, el := range bl.Elements {
			if el.URL != "" && isIssueLink(el.URL) {
				link = el.URL // the "View in Bytebase" button is the most reliable
			}
		}
	}
	for _, t := range approvalTitles {
		if strings.Contains(ev.Name, t) {
			ev.ApprovalNeeded = true
		}
	}
	if link == "" {
		return ev, ErrNoIssueLink
	}
	ref, err := IssueFromLink(link)
	if err != nil {
		return ev, err
	}
	ev.Issue = ref
	return ev, nil
}

func stripMrkdwnLink(s string) string {
	return mrkdwnLink.ReplaceAllString(s, "$2")
}

func isIssueLink(s string) bool {
	_, err := IssueFromLink(s)
	return err == nil
}

// IssueFromLink takes the project and issue number from a Bytebase issue URL:
// {base}/projects/{project}/issues/{number} or .../issues/{slug}-{number}.
// Only the trailing digits count: the API rejects slugs.
func IssueFromLink(link string) (bytebase.IssueRef, error) {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || u.Path == "" {
		return bytebase.IssueRef{}, fmt.Errorf("%w: %q", ErrNoIssueLink, link)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := 0; i+3 < len(parts); i++ {
		if parts[i] != "projects" || parts[i+2] != "issues" || parts[i+1] == "" {
			continue
		}
		n, ok := trailingNumber(parts[i+3])
		if !ok {
			break
		}
		return bytebase.IssueRef{Project: parts[i+1], Number: n}, nil
	}
	return bytebase.IssueRef{}, fmt.Errorf("%w: %q", ErrNoIssueLink, link)
}

func trailingNumber(s string) (int64, bool) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if i == len(s) || (i > 0 && s[i-1] != '-') {
		return 0, false
	}
	n, err := strconv.ParseInt(s[i:], 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}
