package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackui"
)

// bench runs the scenarios of one invocation.
type bench struct {
	opts     options
	out      *report
	cleanups []func() // run when the run ends
}

// env is one in-process `jitflow dev` with fresh fakes.
type env struct {
	f   *fakes
	dev *devInstance
	d   *driver
}

func (b *bench) start(ctx context.Context, extra map[string]string) (*env, error) {
	f, err := newFakes(b.opts.bbLatency, b.opts.slackLatency)
	if err != nil {
		return nil, err
	}
	if b.opts.errRate > 0 {
		f.bbRec.SetErrorRate(b.opts.errRate, 503)
		f.slackRc.SetErrorRate(b.opts.errRate, 500)
	}
	dev, err := startDev(ctx, f.env(extra), "", b.opts.logger)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &env{f: f, dev: dev, d: newDriver(dev.info.WebhookURL, dev.info.InteractURL, f.bb.URL())}, nil
}

func (e *env) Close() error {
	err := e.dev.stop()
	e.f.Close()
	return err
}

// sendAt sends one webhook per issue at rate per second (0: all at once,
// limited to 64 in flight) and returns when each was sent.
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
			return e.d.webhook(gctx, n)
		})
	}
	return sent, g.Wait()
}

// waitCards waits until every sent issue has a card.
func (e *env) waitCards(ctx context.Context, sent map[int64]time.Time, timeout time.Duration) error {
	return waitUntil(ctx, timeout, fmt.Sprintf("%d cards", len(sent)), func() bool { return e.f.slackRc.Posted() >= len(sent) })
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

// webhookLatency: webhook → the workflow reads the issue (intake) and →
// card posted, at a steady rate.
func (b *bench) webhookLatency(ctx context.Context, rate float64, count int) (intake, card latencies, err error) {
	e, err := b.start(ctx, nil)
	if err != nil {
		return intake, card, err
	}
	defer e.Close()
	sent, err := e.sendAt(ctx, e.newIssues(count), rate)
	if err != nil {
		return intake, card, err
	}
	// Cards may be paced by the Slack governor (about 1 per second per channel).
	err = e.waitCards(ctx, sent, time.Duration(count)*1500*time.Millisecond+time.Minute)
	return e.since(sent, e.f.bbRec.FirstRead), e.since(sent, e.f.slackRc.FirstPost), err
}

// clickResult are the three latencies of a click.
type clickResult struct {
	reply, approve, updated latencies
}

// clicks: Approve on count cards, concurrency at a time; HTTP reply, click →
// Bytebase approve call, click → card updated.
func (b *bench) clicks(ctx context.Context, concurrency, count int) (clickResult, error) {
	e, err := b.start(ctx, nil)
	if err != nil {
		return clickResult{}, err
	}
	defer e.Close()
	issues := e.newIssues(count)
	sent, err := e.sendAt(ctx, issues, 0)
	if err != nil {
		return clickResult{}, err
	}
	if err := e.waitCards(ctx, sent, time.Duration(count)*1500*time.Millisecond+time.Minute); err != nil {
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
	return clickResult{reply: summarise(reply), approve: summarise(appr), updated: summarise(upd)}, err
}

// approve clicks Approve on issue n's card as alice with Slack's action_ts.
func (e *env) approve(ctx context.Context, n int64, actionTS string) error {
	ts, ok := e.f.slackRc.CardTS(n)
	if !ok {
		return fmt.Errorf("issue %d has no card", n)
	}
	m, ok := e.f.slack.Message(channel, ts)
	if !ok {
		return fmt.Errorf("card %s of issue %d is not in the fake", ts, n)
	}
	value, err := buttonValue(m, slackui.ActionApprove)
	if err != nil {
		return fmt.Errorf("issue %d: %w", n, err)
	}
	return e.d.click(ctx, alice, ts, slackui.ActionApprove, value, actionTS)
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

// scaleResult is one row of the scaling table.
type scaleResult struct {
	n                     int
	intakePerSec          float64 // webhook → workflow running
	cards                 int     // cards posted within the card window
	cardsPerSec           float64
	pollPerSec            float64 // poll → workflow running
	duplicates            int
	rssBase, rssPending   uint64
	heapBase, heapPending uint64
}

// scale: a burst of n issues via webhook (intake rate, then cards posted
// within the card window), the memory with n requests pending, then a burst
// of n found by the poller.
func (b *bench) scale(ctx context.Context, n int) (scaleResult, error) {
	r := scaleResult{n: n}
	e, err := b.start(ctx, nil)
	if err != nil {
		return r, err
	}
	r.rssBase, r.heapBase = memory()
	issues := e.newIssues(n)
	begin := time.Now()
	sent, err := e.sendAt(ctx, issues, 0)
	if err == nil {
		err = waitUntil(ctx, time.Duration(n)*100*time.Millisecond+time.Minute, fmt.Sprintf("%d workflows", n),
			func() bool { return e.f.bbRec.Reads() >= n })
	}
	if err != nil {
		_ = e.Close()
		return r, err
	}
	r.intakePerSec = float64(n) / time.Since(begin).Seconds()
	_ = waitUntil(ctx, b.opts.cardWait, "cards", func() bool { return e.f.slackRc.Posted() >= n })
	r.cards = e.f.slackRc.Posted()
	r.cardsPerSec = float64(r.cards) / time.Since(begin).Seconds()
	r.duplicates = e.since(sent, e.f.slackRc.FirstPost).duplicates
	// Let the last workflow tasks settle.
	time.Sleep(3 * time.Second)
	r.rssPending, r.heapPending = memory()
	if err := e.Close(); err != nil {
		return r, fmt.Errorf("stop after webhook burst: %w", err)
	}

	if !b.opts.poll {
		return r, nil
	}
	// Poll intake: the issues exist before the first poll finds them.
	f, err := newFakes(b.opts.bbLatency, b.opts.slackLatency)
	if err != nil {
		return r, err
	}
	defer f.Close()
	for range n {
		f.addIssue()
	}
	dev, err := startDev(ctx, f.env(map[string]string{"JIT_POLL_INTERVAL": "1s"}), "", b.opts.logger)
	if err != nil {
		return r, err
	}
	defer dev.stop()
	begin = time.Now()
	if err := waitUntil(ctx, time.Duration(n)*100*time.Millisecond+time.Minute, fmt.Sprintf("%d polled workflows", n),
		func() bool { return f.bbRec.Reads() >= n }); err != nil {
		return r, err
	}
	r.pollPerSec = float64(n) / time.Since(begin).Seconds()
	return r, nil
}

// memory is this process's resident set (VmRSS) and live heap after a GC.
func memory() (rss, heap uint64) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return vmRSS(), ms.HeapAlloc
}

// vmRSS reads VmRSS from /proc/self/status (Linux); 0 elsewhere.
func vmRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}
