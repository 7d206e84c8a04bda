package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
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
	v := "PASS"
	if !pass {
		v = "FAIL"
		r.failed = append(r.failed, name)
	}
	r.printf("| %s | **%s** | %s |\n", name, v, detail)
}

func (r *report) allPassed() bool { return len(r.failed) == 0 }

func mib(b uint64) string { return fmt.Sprintf("%.0f", float64(b)/(1<<20)) }

func (b *bench) runAll(ctx context.Context) error {
	defer func() {
		for _, c := range b.cleanups {
			c()
		}
	}()
	o, r := b.opts, b.out
	r.printf("# jitflow-bench results\n\n%s, GOMAXPROCS %d, %s, fakes: Bytebase +%s, Slack +%s, injected error rate %.2f\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.GOMAXPROCS(0), runtime.Version(), o.bbLatency, o.slackLatency, o.errRate)
	if o.run["latency"] {
		r.printf("## Webhook → workflow running → card posted (`jitflow dev`, one process)\n\n" +
			"| rate (req/s) | requests | → running p50 / p99 ms | → card p50 ms | → card p95 ms | → card p99 ms | lost | duplicate cards |\n|---|---|---|---|---|---|---|---|\n")
		r.latency = []series{{name: "card p50", color: "#1f77b4"}, {name: "card p99", color: "#d62728"},
			{name: "running p50", color: "#2ca02c"}, {name: "running p99", color: "#9467bd"}}
		for _, rate := range o.rates {
			count := max(1, int(rate*o.duration.Seconds()))
			in, card, err := b.webhookLatency(ctx, rate, count)
			if err != nil {
				return fmt.Errorf("latency at %v/s: %w", rate, err)
			}
			r.printf("| %v | %d | %s / %s | %s | %s | %s | %d | %d |\n", rate, count, ms(in.p50), ms(in.p99),
				ms(card.p50), ms(card.p95), ms(card.p99), card.lost, card.duplicates)
			for i, p := range []time.Duration{card.p50, card.p99, in.p50, in.p99} {
				r.latency[i].points = append(r.latency[i].points, [2]float64{rate, float64(p.Microseconds()) / 1000})
			}
		}
		r.printf("\n")
	}
	if o.run["clicks"] {
		r.printf("## Slack click (Approve)\n\n| concurrent | clicks | reply p50 ms | reply p99 ms | → approve call p50 / p99 ms | → card updated p50 / p99 ms |\n|---|---|---|---|---|---|\n")
		for _, c := range o.concurrency {
			res, err := b.clicks(ctx, c, o.clickCount)
			if err != nil {
				return fmt.Errorf("clicks at %d concurrent: %w", c, err)
			}
			r.printf("| %d | %d | %s | %s | %s / %s | %s / %s |\n", c, o.clickCount, ms(res.reply.p50), ms(res.reply.p99),
				ms(res.approve.p50), ms(res.approve.p99), ms(res.updated.p50), ms(res.updated.p99))
		}
		r.printf("\n")
	}
	if o.run["scale"] {
		r.printf("## Bursts and pending requests\n\nIntake: webhook (or poll) until the workflow reads the issue. Cards: posted within %s of the burst. "+
			"RSS is the whole process (embedded Temporal server, worker, gateway, fakes and their recorded calls), after a GC.\n\n"+
			"| N | webhook intake req/s | cards posted (per s) | poll intake req/s | duplicate cards | RSS before MiB | RSS with N pending MiB | heap before / pending MiB | per request KiB (RSS) |\n|---|---|---|---|---|---|---|---|---|\n", o.cardWait)
		for _, n := range o.scales {
			s, err := b.scale(ctx, n)
			if err != nil {
				return fmt.Errorf("scale %d: %w", n, err)
			}
			per := (float64(s.rssPending) - float64(s.rssBase)) / float64(n) / 1024
			r.printf("| %d | %.1f | %d (%.1f) | %.1f | %d | %s | %s | %s / %s | %.0f |\n", n, s.intakePerSec, s.cards, s.cardsPerSec, s.pollPerSec,
				s.duplicates, mib(s.rssBase), mib(s.rssPending), mib(s.heapBase), mib(s.heapPending), per)
		}
		r.printf("\n")
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
	if err := writeChart(f, "jitflow dev: webhook → workflow running / card posted", "webhooks per second", "latency (ms, log scale)", b.out.latency); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(b.out.w, "Wrote %s and %s\n", md, path)
	return f.Close()
}
