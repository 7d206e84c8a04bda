package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackui"
	"github.com/jitflow/jitflow/workflows"
)

// bench runs the scenarios of one invocation.
type bench struct {
	opts     options
	out      *report
	cleanups []func() // run when the run ends
}

// start launches jitflow as how (-channels card channels) for the latency
// and clicks scenarios, with -error-rate injected by the proxies.
func (b *bench) start(ctx context.Context, how deployment) (*env, error) {
	e, err := b.launch(ctx, setup{how: how, channels: b.opts.channels})
	if err != nil {
		return nil, err
	}
	if b.opts.errRate > 0 {
		e.f.bbRec.SetErrorRate(b.opts.errRate, 503)
		e.f.slackRc.SetErrorRate(b.opts.errRate, 500)
	}
	// Measure the steady state: a worker holds the Slack lease within
	// moments of starting, and until it does, cards wait in their channel's
	// queue instead of taking the fast path.
	if err := e.waitSlackLease(ctx, b.opts.logger); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// waitSlackLease waits until a jitflow process holds the Slack lease.
func (e *env) waitSlackLease(ctx context.Context, logger *slog.Logger) error {
	c, err := e.temporalClient(ctx, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	return waitUntil(ctx, readyTimeout, "the Slack lease", func() bool {
		v, err := c.QueryWorkflow(ctx, workflows.SlackLeaseID(config.DefaultTaskQueue), "", workflows.QuerySlackLease)
		var st workflows.LeaseState
		return err == nil && v.Get(&st) == nil && st.Holder != "" && time.Until(st.Until) > 0
	})
}

// sendAt sends one webhook per issue at rate per second (0: all at once,
// limited to 64 in flight) and returns when each was sent. When it returns,
// every request is durable in Temporal: the gateway answers 200 only then
// (see Acked).
func (e *env) sendAt(ctx context.Context, issues []int64, rate float64) (map[int64]time.Time, error) {
	sent := make(map[int64]time.Time, len(issues))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	if rate <= 0 {
		g.SetLimit(64)
	}
	begin := time.Now()
	for i, n := range issues {
		if rate > 0 {
			// Open loop: the schedule doesn't wait for slow answers.
			if wait := time.Until(begin.Add(time.Duration(float64(i) / rate * float64(time.Second)))); wait > 0 {
				time.Sleep(wait)
			}
		}
		g.Go(func() error {
			start := time.Now()
			mu.Lock()
			sent[n] = start
			mu.Unlock()
			if err := e.d.webhook(gctx, n); err != nil {
				return err
			}
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.acked == nil {
				e.acked = map[int64]time.Time{}
			}
			e.acked[n] = time.Now()
			return nil
		})
	}
	return sent, g.Wait()
}

// Acked is when issue n's webhook got its 200: its request was durable.
func (e *env) Acked(n int64) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.acked[n]
	return t, ok
}

// waitCards waits until every sent issue has a card, allowing for Slack's
// pacing of about one card per second per channel.
func (e *env) waitCards(ctx context.Context, sent map[int64]time.Time) error {
	issues := slices.Collect(maps.Keys(sent))
	perChannel := (len(sent) + len(e.f.channels) - 1) / len(e.f.channels)
	return waitUntil(ctx, time.Duration(perChannel)*1500*time.Millisecond+time.Minute, fmt.Sprintf("%d cards", len(sent)),
		func() bool { return e.f.slackRc.Posted() >= len(sent) && e.carded(issues) })
}

// carded: every issue has a card.
func (e *env) carded(issues []int64) bool {
	for _, n := range issues {
		if _, ok := e.f.slackRc.Card(n); !ok {
			return false
		}
	}
	return true
}

// since is, per sent issue, the time from sending to at's event; issues
// without the event count as lost, extra card posts as duplicates.
func (e *env) since(sent map[int64]time.Time, at func(int64) (time.Time, bool)) latencies {
	var d []time.Duration
	lost, dup := 0, 0
	for n, start := range sent {
		t, ok := at(n)
		if !ok {
			lost++
			continue
		}
		d = append(d, t.Sub(start))
		if posts, _ := e.f.slackRc.Counts(n); posts > 1 {
			dup += posts - 1
		}
	}
	l := summarise(d)
	l.lost, l.duplicates = lost, dup
	return l
}

func (e *env) newIssues(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = e.f.addIssue()
	}
	return out
}

// webhookLatency: webhook → 200 (the request durable in Temporal) and →
// card posted, at a steady rate, and where the time went.
func (b *bench) webhookLatency(ctx context.Context, how deployment, rate float64, count int) (r latencyResult, err error) {
	e, err := b.start(ctx, how)
	if err != nil {
		return r, err
	}
	defer e.Close()
	sent, err := e.sendAt(ctx, e.newIssues(count), rate)
	if err != nil {
		return r, err
	}
	if err := e.waitCards(ctx, sent); err != nil {
		return r, err
	}
	r.acked, r.card = e.since(sent, e.Acked), e.since(sent, e.f.slackRc.FirstPost)
	r.pace = measurePace(e.f.slack.Calls(), e.f.channels)
	r.phases, err = e.measurePhases(ctx, sent, b.opts.logger)
	return r, err
}

// latencyResult is one rate's measurement.
type latencyResult struct {
	acked, card latencies
	phases      phases
	pace        pace
}

// clickResult are the three latencies of a click.
type clickResult struct {
	reply, approve, updated latencies
	pace                    pace
}

// clicks: Approve on count cards, concurrency at a time (each wave waits
// for the previous one's approvals); HTTP reply, click → Bytebase approve
// call, click → card updated.
func (b *bench) clicks(ctx context.Context, how deployment, concurrency, count int) (clickResult, error) {
	e, err := b.start(ctx, how)
	if err != nil {
		return clickResult{}, err
	}
	defer e.Close()
	issues := e.newIssues(count)
	sent, err := e.sendAt(ctx, issues, 0)
	if err != nil {
		return clickResult{}, err
	}
	if err := e.waitCards(ctx, sent); err != nil {
		return clickResult{}, err
	}
	var mu sync.Mutex
	var reply []time.Duration
	started := map[int64]time.Time{}
	for i := 0; i < len(issues); i += concurrency {
		wave := issues[i:min(len(issues), i+concurrency)]
		g, gctx := errgroup.WithContext(ctx)
		for _, n := range wave {
			g.Go(func() error {
				start := time.Now()
				if err := e.approve(gctx, n, fmt.Sprintf("1700002000.%06d", n)); err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				reply = append(reply, time.Since(start))
				started[n] = start
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return clickResult{}, err
		}
		// Closed loop: the next wave waits until this one's approvals are
		// in Bytebase, so each row measures concurrency clicks at a time.
		if err := waitUntil(ctx, time.Minute, "the wave's approvals", func() bool {
			for _, n := range wave {
				if _, ok := e.f.bbRec.FirstAfter("approve", n, started[n]); !ok {
					return false
				}
			}
			return true
		}); err != nil {
			return clickResult{}, err
		}
	}
	var appr, upd []time.Duration
	err = waitUntil(ctx, time.Duration(count)*1500*time.Millisecond+time.Minute, "approvals and card updates", func() bool {
		appr, upd = appr[:0], upd[:0]
		for n, start := range started {
			if at, ok := e.f.bbRec.FirstAfter("approve", n, start); ok {
				appr = append(appr, at.Sub(start))
			}
			if at, ok := e.f.slackRc.FirstAfter("update", n, start); ok {
				upd = append(upd, at.Sub(start))
			}
		}
		return len(appr) == len(started) && len(upd) == len(started)
	})
	return clickResult{reply: summarise(reply), approve: summarise(appr), updated: summarise(upd),
		pace: measurePace(e.f.slack.Calls(), e.f.channels)}, err
}

// approve clicks Approve on issue n's card as alice with Slack's action_ts.
func (e *env) approve(ctx context.Context, n int64, actionTS string) error {
	c, m, err := e.card(n)
	if err != nil {
		return err
	}
	value, err := buttonValue(m, slackui.ActionApprove)
	if err != nil {
		return fmt.Errorf("issue %d: %w", n, err)
	}
	return e.d.click(ctx, alice, c, slackui.ActionApprove, value, actionTS)
}

// card is issue n's card as the fake Slack holds it now.
func (e *env) card(n int64) (card, slackfake.Message, error) {
	c, ok := e.f.slackRc.Card(n)
	if !ok {
		return c, slackfake.Message{}, fmt.Errorf("issue %d has no card", n)
	}
	m, ok := e.f.slack.Message(c.channel, c.ts)
	if !ok {
		return c, m, fmt.Errorf("card %s of issue %d is not in the fake", c.ts, n)
	}
	return c, m, nil
}

func buttonValue(m slackfake.Message, actionID string) (string, error) {
	var blocks []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		return "", fmt.Errorf("card blocks: %w", err)
	}
	for _, b := range blocks {
		for _, el := range b.Elements {
			if el.ActionID == actionID {
				return el.Value, nil
			}
		}
	}
	return "", fmt.Errorf("card %s has no %s button", m.TS, actionID)
}
