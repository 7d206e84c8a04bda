package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/jitflow/jitflow/workflows"
)

// scaleResult is one row of the scaling table.
type scaleResult struct {
	n                     int
	intakePerSec          float64 // webhooks answered 200 (durable)
	resent                int64   // webhooks answered 503 (Temporal too slow to take them) and sent again
	cards                 int     // cards posted within the card window (or the drain)
	cardsPerSec           float64
	pollPerSec            float64 // poll → workflows reading their issues
	duplicates            int
	rssBase, rssPending   uint64
	heapBase, heapPending uint64
	dev, worker           childMemory // `jitflow dev` on its state file; `jitflow worker` alone
	drain                 *drainResult
}

// childMemory is a child process's RSS when ready and with N pending, and
// its peak (VmHWM); for a worker alone, also its Go runtime's figures with N
// pending.
type childMemory struct {
	base, pending, peak uint64
	runtime             *goMemory
}

// drainResult is how long a burst took to be fully carded (-drain).
type drainResult struct {
	took             time.Duration // burst sent → last first card posted
	lost, duplicates int
	err              error // the wait timed out
	pace             pace
}

func (d drainResult) pass() bool {
	return d.err == nil && d.lost == 0 && d.duplicates == 0 && d.pace.ok()
}

// scale: a burst of n issues via webhook (intake rate, then cards posted
// within the card window or, with -drain, until every card is posted), the
// memory with n requests pending in this process, then in a child `jitflow
// dev` on a state file and in a child `jitflow worker`, then a burst of n
// found by the poller.
func (b *bench) scale(ctx context.Context, n int) (scaleResult, error) {
	r := scaleResult{n: n}
	e, err := b.launch(ctx, setup{how: oneProcess, channels: b.opts.channels})
	if err != nil {
		return r, err
	}
	if err := e.waitSlackLease(ctx, b.opts.logger); err != nil {
		_ = e.Close()
		return r, err
	}
	r.rssBase, r.heapBase = memory()
	sent, begin, err := e.burst(ctx, n)
	if err != nil {
		_ = e.Close()
		return r, err
	}
	r.intakePerSec = float64(n) / time.Since(begin).Seconds()
	r.resent = e.d.resent.Load()
	if b.opts.drain {
		d := drainResult{err: e.waitCards(ctx, sent)}
		r.drain = &d
	} else {
		_ = waitUntil(ctx, b.opts.cardWait, "cards", func() bool { return e.f.slackRc.Posted() >= n })
	}
	r.cards = e.f.slackRc.Posted()
	r.cardsPerSec = float64(r.cards) / time.Since(begin).Seconds()
	// Let the last workflow tasks settle (and a duplicate card show).
	time.Sleep(3 * time.Second)
	cards := e.since(sent, e.f.slackRc.FirstPost)
	r.duplicates = cards.duplicates
	if r.drain != nil {
		r.drain.lost, r.drain.duplicates = cards.lost, cards.duplicates
		r.drain.took = e.lastPost(sent).Sub(begin)
		r.drain.pace = measurePace(e.f.slack.Calls(), e.f.channels)
		r.cardsPerSec = float64(n-cards.lost) / r.drain.took.Seconds()
	}
	r.rssPending, r.heapPending = memory()
	if err := b.writeHeapProfile(n); err != nil {
		_ = e.Close()
		return r, err
	}
	if err := e.Close(); err != nil {
		return r, fmt.Errorf("stop after webhook burst: %w", err)
	}

	for _, c := range []struct {
		how  deployment
		into *childMemory
	}{{devChild, &r.dev}, {split, &r.worker}} {
		if *c.into, err = b.childMemory(ctx, c.how, n); err != nil {
			return r, fmt.Errorf("%s: %w", c.how, err)
		}
	}

	if !b.opts.poll {
		return r, nil
	}
	// Poll intake: the issues exist before the first poll finds them.
	e, err = b.launch(ctx, setup{how: oneProcess, channels: b.opts.channels, preload: n,
		extra: map[string]string{"JIT_POLL_INTERVAL": "1s"}})
	if err != nil {
		return r, err
	}
	defer e.Close()
	begin = time.Now()
	if err := e.waitIntake(ctx, n); err != nil {
		return r, err
	}
	r.pollPerSec = float64(n) / time.Since(begin).Seconds()
	return r, nil
}

// writeHeapProfile writes this process's heap profile (-memprofile), taken
// with a burst of n pending; memory() has just run a GC.
func (b *bench) writeHeapProfile(n int) error {
	path := b.opts.memProfile
	if path == "" {
		return nil
	}
	if len(b.opts.scales) > 1 {
		path = fmt.Sprintf("%s.%d", path, n)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("heap profile: %w", err)
	}
	return f.Close()
}

// childMemory: the memory of how's child process when ready and with a
// burst of n requests pending.
func (b *bench) childMemory(ctx context.Context, how deployment, n int) (childMemory, error) {
	var m childMemory
	e, err := b.launch(ctx, setup{how: how, channels: b.opts.channels})
	if err != nil {
		return m, err
	}
	defer e.Close()
	m.base, _ = e.proc.memory()
	if _, _, err := e.burst(ctx, n); err != nil {
		return m, err
	}
	// A 200 means durable, not yet run: wait until every request's
	// workflow has run its first task (it is then in the worker's cache).
	if err := e.waitPending(ctx, n, b.opts.logger); err != nil {
		return m, err
	}
	time.Sleep(3 * time.Second)
	m.pending, m.peak = e.proc.memory()
	if e.metrics != "" {
		g, err := scrapeGoMemory(ctx, e.metrics)
		if err != nil {
			return m, err
		}
		m.runtime = &g
	}
	return m, nil
}

// burst creates n issues and sends their webhooks at once (64 in flight);
// when it returns, every request is durable.
func (e *env) burst(ctx context.Context, n int) (sent map[int64]time.Time, begin time.Time, err error) {
	issues := e.newIssues(n)
	begin = time.Now()
	sent, err = e.sendAt(ctx, issues, 0)
	return sent, begin, err
}

// waitIntake waits until n issues have been read by their workflows (poll
// intake: the poller hands the workflows no issue, so each reads its own).
func (e *env) waitIntake(ctx context.Context, n int) error {
	return waitUntil(ctx, time.Duration(n)*100*time.Millisecond+time.Minute, fmt.Sprintf("%d workflows", n),
		func() bool { return e.f.bbRec.Reads() >= n })
}

// lastPost is when the last of the sent issues got its first card.
func (e *env) lastPost(sent map[int64]time.Time) time.Time {
	var last time.Time
	for n := range sent {
		if t, ok := e.f.slackRc.FirstPost(n); ok && t.After(last) {
			last = t
		}
	}
	return last
}

// waitPending waits until n workflows say they are pending (JitStatus, set
// in their first task).
func (e *env) waitPending(ctx context.Context, n int, logger *slog.Logger) error {
	c, err := e.temporalClient(ctx, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	query := workflows.AttrStatus.GetName() + ` = "` + string(workflows.StatusPending) + `"`
	var last int64
	err = waitEvery(ctx, time.Second, time.Duration(n)*100*time.Millisecond+2*time.Minute, fmt.Sprintf("%d pending workflows", n), func() bool {
		res, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err == nil {
			last = res.GetCount()
		}
		return last >= int64(n)
	})
	if err != nil {
		return fmt.Errorf("%w (%d of %d pending)", err, last, n)
	}
	return nil
}
