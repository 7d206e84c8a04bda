package slackui

import (
	"bytes"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// rendered is what a golden file holds for one card.
type rendered struct {
	Text   string        `json:"text"`
	Thread string        `json:"thread"`
	Blocks []slack.Block `json:"blocks"`
}

// render returns the card's golden JSON.
func render(t *testing.T, c Card) []byte {
	t.Helper()
	return goldenJSON(t, rendered{Text: CardText(c), Thread: ThreadReply(c), Blocks: CardBlocks(c)})
}

// goldenJSON encodes v, then decodes and encodes it again without HTML
// escaping (slack-go's marshalers write \u003c for <), so the file shows,
// and tests search, exactly the characters Slack receives.
func goldenJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var plain any
	if err := json.Unmarshal(raw, &plain); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(plain); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checkGolden compares got with testdata/name.golden.json, rewriting the
// file first under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden (run with -update and review the diff):\n%s", path, got)
	}
}

func TestGolden(t *testing.T) {
	for name, c := range goldenCards() {
		t.Run(name, func(t *testing.T) { checkGolden(t, name, render(t, c)) })
	}
	for name, v := range goldenLifecycle() {
		t.Run(name, func(t *testing.T) { checkGolden(t, name, goldenJSON(t, v)) })
	}
}

func TestLimits(t *testing.T) {
	cards := goldenCards()
	cards["huge"] = hugeCard()
	for _, state := range []State{StateApproved, StateDenied, StateFailed, StateExpired, StateDecidedInBytebase, StateClosed} {
		c := hugeCard()
		c.State = state
		c.Decider = &Person{Name: strings.Repeat("<n>", 1000), Email: "x"}
		c.DecidedAt = decided
		c.DenyReason = strings.Repeat("no & <no>\n", 1000)
		c.Failure = strings.Repeat("boom <!channel> ", 1000)
		cards["huge_"+string(state)] = c
	}
	for _, mode := range []string{ModeNotifyOnly, "bogus"} {
		c := hugeCard()
		c.Mode = mode
		cards["huge_"+mode] = c
	}
	for name, c := range cards {
		t.Run(name, func(t *testing.T) {
			raw, err := json.Marshal(CardBlocks(c))
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckBlocks(raw); err != nil {
				t.Error(err)
			}
			text, blocks := EscalationMessage(c)
			if raw, _ = json.Marshal(blocks); CheckBlocks(raw) != nil {
				t.Errorf("escalation message: %v", CheckBlocks(raw))
			}
			if raw, _ = json.Marshal(DenyModal(c, strings.Repeat("m", MaxPrivateMetadata))); CheckModal(raw) != nil {
				t.Errorf("deny modal: %v", CheckModal(raw))
			}
			texts := map[string]string{
				"text":         CardText(c),
				"thread":       ThreadReply(c),
				"done approve": EphemeralDone(ActionApprove, c),
				"done deny":    EphemeralDone(ActionDeny, c),
				"stale":        EphemeralStale(c),
				"refused":      EphemeralRefused(c.Reason),
				"escalation":   text,
			}
			maps.Copy(texts, lifecycleTexts(c, hugePeople()))
			for what, s := range texts {
				if n := runes(s); n > maxText {
					t.Errorf("%s: %d runes, limit %d", what, n, maxText)
				}
			}
		})
	}
}

// TestHostile checks that user text can't mention, link or break markup,
// whatever field it arrives in.
func TestHostile(t *testing.T) {
	lifecycle := goldenLifecycle()["lifecycle_hostile"]
	for name, msg := range map[string][]byte{
		"card":           render(t, hostileCard()),
		"card escalated": render(t, goldenCards()["hostile_escalated"]),
		"card denied":    render(t, goldenCards()["hostile_denied_5000"]),
		"lifecycle":      goldenJSON(t, lifecycle),
	} {
		for _, s := range []string{"<!channel>", "<https://evil", "<!subteam", "<!here>", "<!everyone>", "<@U0BOSS>", "<@U1>", "|b>", "<#"} {
			if bytes.Contains(msg, []byte(s)) {
				t.Errorf("%s: raw %q survived rendering", name, s)
			}
		}
		for _, s := range []string{"&lt;!channel&gt;", "&lt;https://evil|"} {
			if !bytes.Contains(msg, []byte(s)) {
				t.Errorf("%s: expected %q in the rendering", name, s)
			}
		}
	}
	msg := render(t, hostileCard())
	for _, s := range []string{"&lt;https://evil|Bytebase&gt;", "eve@example.com&gt;", "%7Cb%3Ec&amp;d=%3Cx%3E"} {
		if !bytes.Contains(msg, []byte(s)) {
			t.Errorf("expected %q in the rendering", s)
		}
	}
}

func TestButtons(t *testing.T) {
	for name, c := range goldenCards() {
		raw, _ := json.Marshal(CardBlocks(c))
		hasButtons := strings.Contains(string(raw), ActionApprove)
		if hasButtons != (c.State == StatePending && c.Failure == "" && c.Mode != ModeNotifyOnly) {
			t.Errorf("%s: buttons shown = %v in state %s", name, hasButtons, c.State)
		}
		hasReview := strings.Contains(string(raw), ActionReview)
		if hasReview != (c.State == StatePending && c.Failure == "" && c.Mode == ModeNotifyOnly) {
			t.Errorf("%s: review link shown = %v in state %s", name, hasReview, c.State)
		}
	}
	// An ID too long for a button value turns the card into a failure.
	c := baseCard()
	c.WorkflowID = strings.Repeat("w", 2000)
	raw, _ := json.Marshal(CardBlocks(c))
	if strings.Contains(string(raw), ActionApprove) || !strings.Contains(string(raw), "A human must act in Bytebase") {
		t.Errorf("overlong workflow ID: %s", raw)
	}
}

// Only the known Slack modes get buttons: anything else must not offer
// in-chat approval where it may be forbidden.
func TestModes(t *testing.T) {
	for mode, want := range map[string]string{"": ActionApprove, ModeSlack: ActionApprove, ModeNotifyOnly: ActionReview, "Slack": ActionReview} {
		c := baseCard()
		c.Mode = mode
		raw, _ := json.Marshal(CardBlocks(c))
		if !strings.Contains(string(raw), want) {
			t.Errorf("mode %q: no %s in %s", mode, want, raw)
		}
	}
	// No http(s) link: a notify-only card has no button to show.
	c := baseCard()
	c.Mode, c.Link = ModeNotifyOnly, "javascript:alert(1)"
	if blocks := CardBlocks(c); len(blocks) != 5 || !strings.Contains(statusText(c), "happen in Bytebase") {
		t.Errorf("notify-only without link: %d blocks", len(blocks))
	}
}
