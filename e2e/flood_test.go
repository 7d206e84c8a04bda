package e2e

import (
	"sync"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackui"
)

// TestClickFloodActsOnce delivers the same signed click 20 times at once,
// as a retrying proxy or a replay would: every delivery gets its 200, and
// Bytebase sees one approval.
func TestClickFloodActsOnce(t *testing.T) {
	h := newHarness(t)
	n := h.addIssue("roles/workspaceDBA")
	h.webhook(n)
	c := h.waitCard(1)
	value, _ := button(t, c, slackui.ActionApprove)
	payload := slackfake.BlockActionPayload(alice.ID, alice.Name, channel, c.TS, slackui.ActionApprove, value, "1700009999.000001")

	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = h.send(payload, signingSecret)
		}()
	}
	wg.Wait()
	for i, code := range codes {
		if code != 200 {
			t.Errorf("delivery %d: %d", i, code)
		}
	}
	h.waitFor("card closed", func() bool { return !hasButtons(t, h.card(c.TS)) })
	time.Sleep(500 * time.Millisecond) // let any duplicate surface
	if got := len(h.bb.CallsTo(":approve")); got != 1 {
		t.Errorf("approve called %d times, want 1", got)
	}
	if got := len(h.ephemerals(alice)); got != 1 {
		t.Errorf("alice was answered %d times, want once", got)
	}
}
