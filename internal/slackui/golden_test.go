package slackui

import (
	"bytes"
	"encoding/json"
	"flag"
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

// render returns the card's golden JSON. It is decoded and encoded again
// without HTML escaping (slack-go's marshalers write \u003c for <), so the
// file shows, and tests search, exactly the characters Slack receives.
func render(t *testing.T, c Card) []byte {
	t.Helper()
	raw, err := json.Marshal(rendered{Text: CardText(c), Thread: ThreadReply(c), Blocks: CardBlocks(c)})
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for name, c := range goldenCards() {
		t.Run(name, func(t *testing.T) {
			got := render(t, c)
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
		})
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
	for name, c := range cards {
		t.Run(name, func(t *testing.T) {
			raw, err := json.Marshal(CardBlocks(c))
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckBlocks(raw); err != nil {
				t.Error(err)
			}
			for what, s := range map[string]string{
				"text":         CardText(c),
				"thread":       ThreadReply(c),
				"done approve": EphemeralDone(ActionApprove, c),
				"done deny":    EphemeralDone(ActionDeny, c),
				"stale":        EphemeralStale(c),
				"refused":      EphemeralRefused(c.Reason),
			} {
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
	c := goldenCards()["hostile"]
	msg := render(t, c)
	for _, s := range []string{"<!channel>", "<https://evil", "<!subteam", "<!here>", "<!everyone>", "<@U0BOSS>", "<@U1>", "|b>"} {
		if bytes.Contains(msg, []byte(s)) {
			t.Errorf("raw %q survived rendering", s)
		}
	}
	for _, s := range []string{"&lt;!channel&gt;", "&lt;https://evil|Bytebase&gt;", "eve@example.com&gt;", "%7Cb%3Ec&amp;d=%3Cx%3E"} {
		if !bytes.Contains(msg, []byte(s)) {
			t.Errorf("expected %q in the rendering", s)
		}
	}
}

func TestButtons(t *testing.T) {
	for name, c := range goldenCards() {
		raw, _ := json.Marshal(CardBlocks(c))
		hasButtons := strings.Contains(string(raw), ActionApprove)
		if hasButtons != (c.State == StatePending && c.Failure == "") {
			t.Errorf("%s: buttons shown = %v in state %s", name, hasButtons, c.State)
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
