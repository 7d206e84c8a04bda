package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// clickFlood: the same click (same action_ts) delivered 20 times at once, on
// each of 5 cards, must approve each issue once.
func (b *bench) clickFlood(ctx context.Context) (bool, string, error) {
	e, err := b.launch(ctx, setup{how: oneProcess})
	if err != nil {
		return false, "", err
	}
	defer e.Close()
	issues := e.newIssues(5)
	sent, err := e.sendAt(ctx, issues, 0)
	if err != nil {
		return false, "", err
	}
	if err := e.waitCards(ctx, sent); err != nil {
		return false, "", err
	}
	var refused atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for _, n := range issues {
		for range 20 {
			g.Go(func() error {
				if err := e.approve(gctx, n, fmt.Sprintf("1700003000.%06d", n)); err != nil {
					refused.Add(1)
					b.opts.logger.Warn("flood click refused", "issue", n, "error", err)
				}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return false, "", err
	}
	waitErr := waitUntil(ctx, 3*time.Minute, "approvals", func() bool { return e.allDecided(issues) })
	e.settle(ctx, issues)
	ok, detail := e.exactlyOnce(issues)
	detail = fmt.Sprintf("5 cards × 20 identical clicks; %d of 100 deliveries not answered 200; Bytebase saw %d approve calls; %s",
		refused.Load(), len(e.f.bb.CallsTo(":approve")), detail)
	return ok && waitErr == nil, detail, waitErr
}

// outage: Bytebase down, tokens revoked, a Slack 429 storm and 500s while
// requests arrive and are clicked; everything completes once, after
// recovery. Bytebase is also down for -fault-down after the first clicks:
// their cards must show the failure (⚠️) meanwhile, and no card may still
// show it once all is done.
func (b *bench) outage(ctx context.Context) (bool, string, error) {
	e, err := b.launch(ctx, setup{how: oneProcess})
	if err != nil {
		return false, "", err
	}
	defer e.Close()
	var all []int64
	phase := func(n int) error {
		issues := e.newIssues(n)
		all = append(all, issues...)
		_, err := e.sendAt(ctx, issues, 5)
		return err
	}
	click := func(issues []int64, offset int) error {
		for i, n := range issues {
			if err := e.approve(ctx, n, fmt.Sprintf("1700004000.%06d", offset+i)); err != nil {
				return err
			}
		}
		return nil
	}
	// 1. Bytebase refuses everything while requests arrive.
	e.f.bb.SetDown(true)
	if err := phase(10); err != nil {
		return false, "", err
	}
	time.Sleep(b.opts.faultDown)
	e.f.bb.SetDown(false)
	// 2. Every token revoked mid-run.
	e.f.bb.ExpireTokens()
	if err := phase(10); err != nil {
		return false, "", err
	}
	// 3. Slack: a 429 storm on posts, 500s on posts and updates.
	e.f.slack.RateLimitNext("chat.postMessage", 30, time.Second)
	e.f.slack.FailNext("chat.postMessage", 5, "internal_error")
	e.f.slack.FailNext("chat.update", 10, "internal_error")
	if err := phase(10); err != nil {
		return false, "", err
	}
	if err := waitUntil(ctx, 5*time.Minute, "every card after recovery", func() bool { return e.carded(all) }); err != nil {
		return false, "cards missing after recovery", err
	}
	// 4. Clicks on 10 cards, then Bytebase down for -fault-down: their cards
	// should show the failure while it lasts.
	duringOutage := all[:10]
	e.f.bb.SetDown(true)
	downAt := time.Now()
	if err := click(duringOutage, 0); err != nil {
		return false, "", err
	}
	shown := e.watchWarnings(ctx, duringOutage, downAt, b.opts.faultDown)
	e.f.bb.SetDown(false)
	// 5. The other clicks while a fifth of Bytebase calls fail and tokens are revoked again.
	e.f.bbRec.SetErrorRate(0.2, 503)
	e.f.bb.ExpireTokens()
	if err := click(all[len(duringOutage):], len(duringOutage)); err != nil {
		return false, "", err
	}
	waitErr := waitUntil(ctx, 5*time.Minute, "approvals after recovery", func() bool { return e.allDecided(all) })
	e.f.bbRec.SetErrorRate(0, 0)
	e.settle(ctx, all)
	// The warning comes off with the next card edit, paced like the others.
	_ = waitUntil(ctx, time.Duration(len(all))*1500*time.Millisecond, "warnings off the cards", func() bool { return len(e.warned(all)) == 0 })
	still := e.warned(all)
	ok, detail := e.exactlyOnce(all)
	if !ok {
		detail += "; alice was told: " + e.refusals()
	}
	detail = fmt.Sprintf("30 requests; Bytebase down %s, tokens revoked twice, 30×429 + 5×500 on posts, 10×500 on updates; "+
		"Bytebase down %s after %d clicks: %s; %d injected 503s on the other clicks; %s; %d of %d cards still show ⚠️ after recovery",
		b.opts.faultDown, b.opts.faultDown, len(duringOutage), warningSummary(shown, len(duringOutage)), e.f.bbRec.Injected(), detail, len(still), len(all))
	return ok && waitErr == nil && len(shown) > 0 && len(still) == 0, detail, waitErr
}

// warningSummary says how many of the clicked cards showed the warning
// during the outage, and how soon.
func warningSummary(shown map[int64]time.Duration, clicked int) string {
	if len(shown) == 0 {
		return fmt.Sprintf("no card of the %d showed ⚠️ during the outage", clicked)
	}
	d := slices.Collect(maps.Values(shown))
	return fmt.Sprintf("%d of %d cards showed ⚠️ during the outage (first seen %.1f s after it began, p50 %.1f s)",
		len(shown), clicked, slices.Min(d).Seconds(), percentile(d, 0.5).Seconds())
}

// allDecided: Bytebase shows every issue approved.
func (e *env) allDecided(issues []int64) bool {
	for _, n := range issues {
		st, ok := e.f.bb.State(project, n)
		if !ok || st.ApprovalStatus != "APPROVED" {
			return false
		}
	}
	return true
}

// settle waits until every issue's card was updated, then a little longer
// for late duplicates. Card edits are paced at 0.8/s for the workspace, so
// the wait grows with the number of issues.
func (e *env) settle(ctx context.Context, issues []int64) {
	_ = waitUntil(ctx, time.Duration(len(issues))*1500*time.Millisecond+time.Minute, "card updates", func() bool {
		for _, n := range issues {
			if _, ok := e.f.slackRc.FirstAfter("update", n, time.Time{}); !ok {
				return false
			}
		}
		return true
	})
	time.Sleep(3 * time.Second)
}

// refusals lists the distinct private replies alice got, as evidence when
// a click did not lead to a decision.
func (e *env) refusals() string {
	seen := map[string]bool{}
	var out []string
	for _, m := range e.f.slack.Ephemerals(alice.ID) {
		if t := m.Text; !seen[t] && len(out) < 3 {
			seen[t] = true
			out = append(out, fmt.Sprintf("%q", t))
		}
	}
	return strings.Join(out, ", ")
}

// exactlyOnce checks one card and one Bytebase decision per issue, and that
// every card was updated to its outcome.
func (e *env) exactlyOnce(issues []int64) (bool, string) {
	var bad []string
	notUpdated := 0
	for _, n := range issues {
		posts, _ := e.f.slackRc.Counts(n)
		_, decisions := e.f.bbRec.Counts(n)
		if posts != 1 || decisions != 1 {
			bad = append(bad, fmt.Sprintf("#%d: %d cards, %d decisions", n, posts, decisions))
		}
		if _, ok := e.f.slackRc.FirstAfter("update", n, time.Time{}); !ok {
			notUpdated++
		}
	}
	if notUpdated > 0 {
		bad = append(bad, fmt.Sprintf("%d cards never updated", notUpdated))
	}
	if len(bad) == 0 {
		return true, fmt.Sprintf("%d issues: 1 card and 1 approve each, every card updated", len(issues))
	}
	if len(bad) > 5 {
		bad = append(bad[:5], fmt.Sprintf("… %d more", len(bad)-5))
	}
	return false, strings.Join(bad, "; ")
}
