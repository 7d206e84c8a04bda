package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report prints results as markdown while they come and keeps them for the
// results file.
type report struct {
	w       io.Writer
	md      strings.Builder
	failed  []string
	latency []series // p50/p95/p99 against rate
}

func newReport(w io.Writer) *report { return &report{w: w} }

func (r *report) printf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	fmt.Fprint(r.w, s)
	r.md.WriteString(s)
}

// verdict records a pass/fail line of a fault scenario.
func (r *report) verdict(name string, pass bool, detail string) {
	r.printf("| %s | **%s** | %s |\n", name, r.judge(name, pass), detail)
}

// judge records a check's outcome and names it: PASS or FAIL.
func (r *report) judge(name string, pass bool) string {
	if !pass {
		r.failed = append(r.failed, name)
		return "FAIL"
	}
	return "PASS"
}

func (r *report) allPassed() bool { return len(r.failed) == 0 }

func mib(b uint64) string { return fmt.Sprintf("%.0f", float64(b)/(1<<20)) }

// perRequestKiB is the growth from before to pending, per request.
func perRequestKiB(before, pending uint64, n int) float64 {
	return (float64(pending) - float64(before)) / float64(n) / 1024
}

// String is "before → pending (peak)" in MiB.
func (m childMemory) String() string {
	return fmt.Sprintf("%s → %s (%s)", mib(m.base), mib(m.pending), mib(m.peak))
}

// deployments are those the latency and clicks scenarios compare.
func (b *bench) deployments() []deployment {
	if b.opts.split {
		return []deployment{oneProcess, split}
	}
	return []deployment{oneProcess}
}

func (b *bench) runAll(ctx context.Context) error {
	defer func() {
		for _, c := range b.cleanups {
			c()
		}
	}()
	o, r := b.opts, b.out
	cache := "default"
	if o.workerCache > 0 {
		cache = fmt.Sprint(o.workerCache)
	}
	childEnv := "none"
	if len(o.childEnv) > 0 {
		var kvs []string
		for _, k := range slices.Sorted(maps.Keys(o.childEnv)) {
			kvs = append(kvs, k+"="+o.childEnv[k])
		}
		childEnv = strings.Join(kvs, " ")
	}
	r.printf("# jitflow-bench results\n\n%s, GOMAXPROCS %d, %s, fakes: Bytebase +%s, Slack +%s, injected error rate %.2f, %d card channel(s), worker cache %s, child processes' extra environment: %s\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.GOMAXPROCS(0), runtime.Version(), o.bbLatency, o.slackLatency, o.errRate, o.channels, cache, childEnv)
	if o.run["latency"] {
		r.printf("## Webhook → 200 (durable) → card posted (%d card channel(s))\n\n"+
			"| deployment | channels | rate (req/s) | requests | → 200 (durable) p50 / p99 ms | → card p50 ms | → card p95 ms | → card p99 ms | lost | duplicate cards |\n|---|---|---|---|---|---|---|---|---|---|\n", o.channels)
		for _, how := range b.deployments() {
			suffix := ""
			if how != oneProcess {
				suffix = " (" + how.String() + ")"
			}
			for _, name := range []string{"card p50", "card p99", "durable p50", "durable p99"} {
				r.latency = append(r.latency, series{name: name + suffix, color: chartColors[len(r.latency)%len(chartColors)]})
			}
		}
		var phaseRows []string
		var paces []paceRow
		for _, rate := range o.rates {
			count := max(1, int(rate*o.duration.Seconds()))
			for di, how := range b.deployments() {
				res, err := b.webhookLatency(ctx, how, rate, count)
				if err != nil {
					return fmt.Errorf("latency at %v/s (%s): %w", rate, how, err)
				}
				in, card := res.acked, res.card
				ph := res.phases
				phaseRows = append(phaseRows, fmt.Sprintf("| %s | %v | %d | %d | %s | %s | %s | %s | %s |\n", how, rate, ph.sampled, ph.fast,
					ph.toStarted.median(), ph.inTask.median(), ph.toTaskDone.median(), ph.dispatch.median(), ph.toPosted.median()))
				paces = append(paces, paceRow{fmt.Sprintf("%v/s, %s", rate, how), res.pace})
				r.printf("| %s | %d | %v | %d | %s / %s | %s | %s | %s | %d | %d |\n", how, o.channels, rate, count, ms(in.p50), ms(in.p99),
					ms(card.p50), ms(card.p95), ms(card.p99), card.lost, card.duplicates)
				for i, p := range []time.Duration{card.p50, card.p99, in.p50, in.p99} {
					r.latency[di*4+i].points = append(r.latency[di*4+i].points, [2]float64{rate, float64(p.Microseconds()) / 1000})
				}
			}
		}
		r.printf("\n### Where the card's time goes (medians, from the workflow histories)\n\n" +
			"Webhook sent → workflow started (gateway: issue read, start RPC). Then, for a card posted at once (the fast path: PostCardNow, a local activity in the first workflow task): → card posted at the fake Slack. " +
			"For a card that waited in its channel's queue: → first workflow task completed (it schedules PostCardOnce) → post started (the governed Slack queue's dispatch) → card posted.\n\n" +
			"| deployment | rate (req/s) | histories | posted at once | → started ms | at once: → posted ms | queued: → first task done ms | queued: dispatch ms | queued: → posted ms |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, row := range phaseRows {
			r.printf("%s", row)
		}
		r.paceTable("webhook → card", paces)
		r.printf("\n")
	}
	if o.run["clicks"] {
		var paces []paceRow
		r.printf("## Slack click (Approve), %d card channel(s)\n\n| deployment | concurrent | clicks | reply p50 ms | reply p99 ms | → approve call p50 / p99 ms | → card updated p50 / p99 ms |\n|---|---|---|---|---|---|---|\n", o.channels)
		for _, c := range o.concurrency {
			for _, how := range b.deployments() {
				res, err := b.clicks(ctx, how, c, o.clickCount)
				if err != nil {
					return fmt.Errorf("clicks at %d concurrent (%s): %w", c, how, err)
				}
				r.printf("| %s | %d | %d | %s | %s | %s / %s | %s / %s |\n", how, c, o.clickCount, ms(res.reply.p50), ms(res.reply.p99),
					ms(res.approve.p50), ms(res.approve.p99), ms(res.updated.p50), ms(res.updated.p99))
				paces = append(paces, paceRow{fmt.Sprintf("%d concurrent, %s", c, how), res.pace})
			}
		}
		r.paceTable("clicks (cards, then their thread replies)", paces)
		r.printf("\n")
	}
	if o.run["scale"] {
		cards := fmt.Sprintf("posted within %s of the burst", o.cardWait)
		if o.drain {
			cards = "posted until all N were (-drain)"
		}
		r.printf("## Bursts and pending requests (%d card channel(s), worker cache %s)\n\nWebhook intake: until every webhook got its 200 (the request durable in Temporal); poll intake: until every workflow found by the poller read its issue. Cards: %s. "+
			"In-process RSS is this whole process (embedded Temporal server in memory, worker, gateway, fakes and their recorded calls), after a GC. "+
			"Dev on state file: a child `jitflow dev --state-dir` (SQLite file); worker alone: a child `jitflow worker` (Temporal and the gateway in the harness); "+
			"their RSS when ready → with N pending (peak VmHWM), no forced GC.\n\n"+
			"| N | webhook intake req/s | re-sent after 503 | cards posted (per s) | poll intake req/s | duplicate cards | in-process RSS before / pending MiB | heap before / pending MiB | per request KiB (RSS) | dev on state file RSS MiB | worker alone RSS MiB | worker alone per request KiB |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
			o.channels, cache, cards)
		var drains []scaleResult
		var workers []sizedMemory
		for _, n := range o.scales {
			s, err := b.scale(ctx, n)
			if err != nil {
				return fmt.Errorf("scale %d: %w", n, err)
			}
			workers = append(workers, sizedMemory{n, s.worker})
			poll := "not run" // -poll=false
			if o.poll {
				poll = fmt.Sprintf("%.1f", s.pollPerSec)
			}
			r.printf("| %d | %.1f | %d | %d (%.1f) | %s | %d | %s / %s | %s / %s | %.0f | %s | %s | %.0f |\n", n, s.intakePerSec, s.resent, s.cards, s.cardsPerSec, poll,
				s.duplicates, mib(s.rssBase), mib(s.rssPending), mib(s.heapBase), mib(s.heapPending), perRequestKiB(s.rssBase, s.rssPending, n),
				s.dev, s.worker, perRequestKiB(s.worker.base, s.worker.pending, n))
			if s.drain != nil {
				drains = append(drains, s)
			}
		}
		r.printf("\n")
		r.workerMemory(workers)
		if len(drains) > 0 {
			r.printf("### Drain: every card of a burst posted (%d card channel(s))\n\n| N | drained in s | cards/s | lost | duplicate cards | verdict |\n|---|---|---|---|---|---|\n", o.channels)
			var paces []paceRow
			for _, s := range drains {
				d := s.drain
				r.printf("| %d | %.1f | %.2f | %d | %d | **%s** |\n", s.n, d.took.Seconds(), s.cardsPerSec, d.lost, d.duplicates,
					r.judge(fmt.Sprintf("drain %d", s.n), d.pass()))
				paces = append(paces, paceRow{fmt.Sprintf("burst of %d", s.n), d.pace})
			}
			r.paceTable("bursts", paces)
			r.printf("\n")
		}
	}
	if o.run["workermem"] {
		r.printf("## A worker alone with N pending (%d card channel(s), worker cache %s)\n\n", o.channels, cache)
		var rows []sizedMemory
		for _, n := range o.scales {
			m, err := b.childMemory(ctx, split, n)
			if err != nil {
				return fmt.Errorf("worker alone with %d pending: %w", n, err)
			}
			rows = append(rows, sizedMemory{n, m})
		}
		r.workerMemory(rows)
	}
	if o.run["flood"] || o.run["outage"] || o.run["killworker"] || o.run["killdev"] {
		r.printf("## Faults\n\n| scenario | verdict | detail |\n|---|---|---|\n")
		for _, f := range []struct {
			name string
			run  func(context.Context) (bool, string, error)
		}{
			{"flood", b.clickFlood}, {"outage", b.outage}, {"killworker", b.killWorker}, {"killdev", b.killDev},
		} {
			if !o.run[f.name] {
				continue
			}
			pass, detail, err := f.run(ctx)
			if err != nil {
				pass, detail = false, detail+" error: "+err.Error()
			}
			r.verdict(f.name, pass, detail)
		}
		r.printf("\n")
	}
	return b.writeFiles()
}

// sizedMemory is a child's memory with n requests pending.
type sizedMemory struct {
	n int
	m childMemory
}

// workerMemory prints where a worker alone's memory goes with N pending.
func (r *report) workerMemory(rows []sizedMemory) {
	r.printf("A child `jitflow worker` (Temporal and the gateway in the harness) when ready → with N pending (peak VmHWM), no forced GC; " +
		"then its Go runtime's figures with N pending, from its /metrics: heap in use, goroutine stacks, goroutines, and the heap size at which its next GC starts.\n\n" +
		"| N | RSS MiB | per request KiB (RSS) | heap in use MiB | stacks MiB | goroutines | next GC at MiB |\n|---|---|---|---|---|---|---|\n")
	for _, row := range rows {
		figures := "– | – | – | –" // no /metrics read: say so rather than print zeros
		if g := row.m.runtime; g != nil {
			figures = fmt.Sprintf("%s | %s | %d | %s", mib(g.heapInuse), mib(g.stackInuse), g.goroutines, mib(g.nextGC))
		}
		r.printf("| %d | %s | %.0f | %s |\n", row.n, row.m, perRequestKiB(row.m.base, row.m.pending, row.n), figures)
	}
	r.printf("\n")
}

// paceTable prints the pace checks of one scenario's runs.
func (r *report) paceTable(scenario string, rows []paceRow) {
	if len(rows) == 0 {
		return
	}
	r.printf("\n### Slack's pace, %s: every chat.postMessage into a card channel, as the fake Slack received them\n\n"+
		"Slack allows about one post per second per channel, with short bursts. jitflow paces each channel at 1/s with a burst of 2; "+
		"the check fails if a channel got more than that allows in any window.\n\n| run | verdict | detail |\n|---|---|---|\n", scenario)
	for _, p := range rows {
		r.verdict("pace, "+scenario+", "+p.run, p.pace.ok(), p.pace.String())
	}
}

func (b *bench) writeFiles() error {
	if err := os.MkdirAll(b.opts.outDir, 0o755); err != nil {
		return fmt.Errorf("output dir: %w", err)
	}
	md := filepath.Join(b.opts.outDir, "bench-results.md")
	if err := os.WriteFile(md, []byte(b.out.md.String()), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", md, err)
	}
	if len(b.out.latency) == 0 {
		return nil
	}
	path := filepath.Join(b.opts.outDir, "latency.svg")
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	defer f.Close()
	title := fmt.Sprintf("jitflow: webhook → 200 (durable) / card posted, %d channel(s)", b.opts.channels)
	if err := writeChart(f, title, "webhooks per second", "latency (ms, log scale)", b.out.latency); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(b.out.w, "Wrote %s and %s\n", md, path)
	return f.Close()
}
