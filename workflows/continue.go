package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/slackui"
)

// A request may wait for days (expiry off) while it re-reads its issue every
// minute. Past this many events, or this many waits (each adds a handful of
// events; the count is a deterministic stand-in where the history length is
// not known), it continues as new with its state carried.
var (
	maxHistoryEvents = 8000
	maxWaits         = 1000
)

// keepClicks bounds the click audit carried across continue-as-new (the
// earlier ones stay in the previous run's history).
const keepClicks = 100

// Carried is a pending request's state across continue-as-new.
type Carried struct {
	Issue  bytebase.Issue           `json:"issue"`
	Policy activities.RequestPolicy `json:"policy"`
	Card   slackui.Card             `json:"card"`
	Posted activities.CardRef       `json:"posted"`
	Timers timers                   `json:"timers"`
	Seen   []string                 `json:"seen,omitempty"`
	Clicks []ClickRecord            `json:"clicks,omitempty"`
}

func (r *request) shouldContinueAsNew(ctx workflow.Context, chans ...workflow.ReceiveChannel) bool {
	info := workflow.GetInfo(ctx)
	r.waits++
	if !info.GetContinueAsNewSuggested() && info.GetCurrentHistoryLength() < maxHistoryEvents && r.waits <= maxWaits {
		return false
	}
	for _, ch := range chans {
		if ch.Len() > 0 {
			return false // handle queued signals first; they would be lost
		}
	}
	return r.posted != nil
}

func (r *request) carry() *Carried {
	c := &Carried{Issue: r.issue, Policy: r.policy, Card: r.card, Posted: *r.posted, Timers: r.timers}
	for id := range r.seen {
		c.Seen = append(c.Seen, id)
	}
	slices.Sort(c.Seen) // deterministic input for the next run
	c.Clicks = r.clicks[max(0, len(r.clicks)-keepClicks):]
	return c
}

func (r *request) resume(ctx workflow.Context, c *Carried) {
	r.issue, r.policy, r.card, r.timers, r.clicks = c.Issue, c.Policy, c.Card, c.Timers, c.Clicks
	posted := c.Posted
	r.posted = &posted
	for _, id := range c.Seen {
		r.seen[id] = true
	}
	r.status = StatusPending
	r.setDetails(ctx)
}
