package e2e

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/cardpath"
	"github.com/jitflow/jitflow/workflows"
)

// events is issue n's workflow history so far.
func (h *harness) events(n int64) []*historypb.HistoryEvent {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	it := h.temporal().GetWorkflowHistory(ctx, workflows.WorkflowID(bytebase.IssueRef{Project: project, Number: n}), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var out []*historypb.HistoryEvent
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			h.t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// cardPath says how issue n's card was posted: at once (the fast path) or
// through the channel's queue.
func (h *harness) cardPath(n int64) (atOnce, queued bool) {
	h.t.Helper()
	for _, ev := range h.events(n) {
		if posted, ok := cardpath.FastPost(ev); ok && posted {
			atOnce = true
		}
		queued = queued || cardpath.QueuedPost(ev)
	}
	return atOnce, queued
}

// The steady state: the process holds the Slack lease, the channel has a
// turn free, and the card is posted from the workflow task that starts the
// request, with no trip through a task queue.
func TestCardIsPostedFromTheFirstWorkflowTask(t *testing.T) {
	h := newHarness(t)
	n := h.addIssue("roles/workspaceDBA")
	h.webhook(n)
	h.waitCard(1)
	atOnce, queued := h.cardPath(n)
	if !atOnce || queued {
		t.Fatalf("card posted at once %v, through the queue %v; want at once only", atOnce, queued)
	}
	if p := h.cardPosts(); p != 1 {
		t.Errorf("%d card posts", p)
	}
}

// A burst into one channel: the first cards take the fast path, the rest
// wait their turn in the channel's queue; Slack sees no more than the burst
// at once and one post per second after it, and every issue one card.
func TestBurstIntoOneChannelIsPacedAndCardedOnce(t *testing.T) {
	h := newHarness(t)
	const burst = 4
	issues := make([]int64, burst)
	for i := range issues {
		issues[i] = h.addIssue("roles/workspaceDBA")
	}
	var wg sync.WaitGroup
	for _, n := range issues {
		wg.Go(func() {
			if code := h.webhook(n); code != 200 {
				t.Errorf("webhook for %d: %d", n, code)
			}
		})
	}
	wg.Wait()
	h.waitCard(burst)
	if p := h.cardPosts(); p != burst {
		t.Errorf("%d card posts for %d issues", p, burst)
	}
	atOnce, queued := 0, 0
	for _, n := range issues {
		a, q := h.cardPath(n)
		if a == q {
			t.Errorf("issue %d: posted at once %v, through the queue %v; want exactly one", n, a, q)
		}
		if a {
			atOnce++
		} else {
			queued++
		}
	}
	if atOnce == 0 || queued == 0 {
		t.Errorf("%d cards at once, %d queued: a burst of %d into one channel should have both", atOnce, queued, burst)
	}
	var posts []time.Time
	for _, c := range h.slack.Calls() {
		if c.Method == "chat.postMessage" && c.Params["channel"] == channel {
			posts = append(posts, c.Time)
		}
	}
	slices.SortFunc(posts, func(a, b time.Time) int { return a.Compare(b) })
	// A burst of two, then one per second: no three posts within 900 ms
	// (10% under the second for the jitter between jitflow and the fake).
	for i := 2; i < len(posts); i++ {
		if gap := posts[i].Sub(posts[i-2]); gap < 900*time.Millisecond {
			t.Errorf("posts %d to %d came within %s", i-1, i+1, gap)
		}
	}
	t.Logf("%d at once, %d queued; posts at %v", atOnce, queued, offsets(posts))
}

func offsets(ts []time.Time) []time.Duration {
	var out []time.Duration
	for _, t := range ts {
		out = append(out, t.Sub(ts[0]).Round(time.Millisecond))
	}
	return out
}
