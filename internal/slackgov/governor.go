// Package slackgov paces a worker process's posts to Slack channels (about
// one chat.postMessage per second per channel, Slack's limit), and lets
// them out only while the process holds the Slack lease: the lease makes one
// process at a time the poster for the whole workspace, so the per-process
// pace is the pace across every worker. worker/slacklease.go keeps the lease.
//
// Pacing in process is what makes the card fast path possible: a new card is
// posted from the workflow task that starts its request, with no trip
// through a rate-limited task queue, whenever its channel has a turn free
// right now. Posts that find no free turn wait their turn in the channel's
// task queue, whose worker runs only in the lease holder and takes its turns
// from the same pacer.
package slackgov

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ErrNotHolder is returned to a post that must wait while this process does
// not hold the lease (it lost it while the post was queued in it).
var ErrNotHolder = errors.New("this worker does not hold the Slack lease")

// Governor paces posts per channel. The zero value is not usable; use New.
type Governor struct {
	perSecond rate.Limit
	burst     int

	mu       sync.Mutex
	until    time.Time // the lease is ours until then (this process's clock)
	channels map[string]*rate.Limiter
}

// New returns a governor letting perSecond posts per second into each
// channel, and up to burst at once after a quiet spell, holding no lease
// yet.
func New(perSecond float64, burst int) *Governor {
	return &Governor{perSecond: rate.Limit(perSecond), burst: max(burst, 1), channels: map[string]*rate.Limiter{}}
}

// HoldUntil records that the lease is this process's until t (zero: not
// ours). The keeper calls it on every renewal, and on losing or giving up
// the lease.
func (g *Governor) HoldUntil(t time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.until = t
}

// Holding reports whether this process holds the lease now.
func (g *Governor) Holding() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.holdingLocked()
}

func (g *Governor) holdingLocked() bool { return time.Now().Before(g.until) }

// TryPost takes channel's turn if this process holds the lease and the turn
// is free now or within the next within (it then waits for it): the fast
// path. A post that is refused has used nothing and goes through the
// channel's queue instead. Posts already waiting for the channel (WaitPost)
// come first: their turns are reserved, so the next free one is further
// off. It returns false, having given the turn back, if ctx ends first.
func (g *Governor) TryPost(ctx context.Context, channel string, within time.Duration) bool {
	g.mu.Lock()
	if !g.holdingLocked() {
		g.mu.Unlock()
		return false
	}
	now := time.Now()
	r := g.limiterLocked(channel).ReserveN(now, 1)
	g.mu.Unlock()
	delay := r.DelayFrom(now)
	if delay > within {
		r.CancelAt(now)
		return false
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			r.Cancel()
			return false
		}
	}
	return g.Holding()
}

// WaitPost waits for channel's next turn and takes it. It fails at once with
// ErrNotHolder when this process does not hold the lease, and with ctx's
// error when ctx ends first (the turn is then given back).
func (g *Governor) WaitPost(ctx context.Context, channel string) error {
	g.mu.Lock()
	if !g.holdingLocked() {
		g.mu.Unlock()
		return ErrNotHolder
	}
	l := g.limiterLocked(channel)
	g.mu.Unlock()
	if err := l.Wait(ctx); err != nil {
		return err
	}
	if !g.Holding() { // the lease lapsed while this post waited
		return ErrNotHolder
	}
	return nil
}

// limiterLocked is channel's limiter; g.mu is held. Channels are the few the
// policy names, so limiters are never dropped.
func (g *Governor) limiterLocked(channel string) *rate.Limiter {
	l, ok := g.channels[channel]
	if !ok {
		l = rate.NewLimiter(g.perSecond, g.burst)
		g.channels[channel] = l
	}
	return l
}
