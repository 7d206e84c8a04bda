// Command jitflow-bench measures jitflow under load and faults: it runs the
// real worker and gateway (`jitflow dev` in-process, over real HTTP, with the
// embedded Temporal server) against the fake Bytebase and Slack, prints a
// markdown table and writes an SVG chart of latency against load.
//
//	go run ./cmd/jitflow-bench                       # everything, defaults
//	go run ./cmd/jitflow-bench -run latency,clicks   # some scenarios
//	go run ./cmd/jitflow-bench -run faults -fault-down 1m
//	go run ./cmd/jitflow-bench -run latency,clicks -channels 10 -split
//	go run ./cmd/jitflow-bench -run scale -n 1000 -drain -worker-cache 100
//
// Flags (see -h for defaults):
//
//	-run           scenarios: latency, clicks, scale, workermem, faults (flood, outage, killworker, killdev)
//	-rates         webhook rates (requests/s) of the latency scenario
//	-duration      how long each latency rate runs
//	-clicks        clicks per concurrency level; -concurrency the levels
//	-n             burst / pending sizes of the scale scenario
//	-channels      Slack channels the latency, clicks and scale requests are
//	               routed over by a policy file (one environment per channel),
//	               so that Slack's 1 post/s per channel allows N cards/s
//	-split         latency and clicks also with the gateway and worker apart:
//	               Temporal and the gateway (its own client, no worker, so no
//	               eager start) in this process, `jitflow worker` a child
//	-drain         scale: wait until all N cards are posted, report the drain
//	               time and cards/s, and fail on a lost or duplicate card
//	-worker-cache  JIT_WORKER_CACHE_SIZE for jitflow (the SDK's sticky
//	               workflow cache); unset by default
//	-card-wait     scale: how long to wait for cards after a burst (without -drain)
//	-poll          scale: also measure poll intake
//	-bb-latency, -slack-latency  latency the fakes add to every answer
//	-error-rate    fraction of Bytebase and Slack calls answered 503/500 (latency, clicks)
//	-fault-down    how long Bytebase is down in the outage scenario (twice)
//	-kill-requests in-flight requests of the killworker scenario
//	-jitflow       jitflow binary for child processes (-split, scale, kill scenarios)
//	-keep          keep child processes' logs and state directories
//	-out, -cpuprofile, -v  output directory, CPU profile, jitflow's warnings
//	-memprofile    scale: heap profile of this process with the burst pending
//	-child-env     KEY=VALUE,... set only in child processes (GOMEMLIMIT=900MiB)
//
// The scale scenario reports memory three ways: this process with `jitflow
// dev` in memory; a child `jitflow dev` on a state dir (SQLite file); and a
// child `jitflow worker` alone (Temporal and the gateway in this process),
// with its Go runtime's heap, stacks and goroutines read from its /metrics.
// The workermem scenario measures only the worker alone, at each -n.
//
// It is a separate main package so the production binary carries no fakes.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	run          map[string]bool
	rates        []float64
	duration     time.Duration
	clickCount   int
	concurrency  []int
	scales       []int
	bbLatency    time.Duration
	slackLatency time.Duration
	errRate      float64
	faultDown    time.Duration
	cardWait     time.Duration
	poll         bool
	keep         bool
	killRequests int
	channels     int
	split        bool
	drain        bool
	workerCache  int
	jitflowBin   string
	outDir       string
	memProfile   string            // heap profile with the scale scenario's requests pending in this process
	childEnv     map[string]string // more environment for child processes only (e.g. GOMEMLIMIT)
	logger       *slog.Logger
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("jitflow-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runList := fs.String("run", "latency,clicks,scale,faults", "scenarios: latency, clicks, scale, workermem, faults (flood, outage, killworker, killdev)")
	rates := fs.String("rates", "1,5,10", "webhook rates (requests/s) for the latency scenario, comma-separated; the chart plots them")
	duration := fs.Duration("duration", 10*time.Second, "how long each latency rate runs")
	clickCount := fs.Int("clicks", 50, "clicks per concurrency level")
	conc := fs.String("concurrency", "1,50", "click concurrency levels")
	scales := fs.String("n", "100,1000,10000", "burst / pending sizes for the scale scenario, e.g. 100,1000,10000")
	bbLatency := fs.Duration("bb-latency", 0, "latency the fake Bytebase adds to every answer")
	slackLatency := fs.Duration("slack-latency", 0, "latency the fake Slack adds to every answer")
	errRate := fs.Float64("error-rate", 0, "fraction of Bytebase and Slack calls answered 503/500 by the proxy (latency and clicks scenarios)")
	cardWait := fs.Duration("card-wait", time.Minute, "how long the scale scenario waits for cards after a burst, without -drain (Slack pacing makes a full burst take N/channels seconds)")
	keep := fs.Bool("keep", false, "keep child processes' directories (logs, SQLite state) and print where")
	poll := fs.Bool("poll", true, "also measure poll intake in the scale scenario")
	faultDown := fs.Duration("fault-down", 20*time.Second, "how long Bytebase is down in the outage scenario: during intake, and again after the first clicks (their cards must show ⚠️ meanwhile)")
	killRequests := fs.Int("kill-requests", 200, "in-flight requests in the kill scenarios")
	channels := fs.Int("channels", 1, "Slack channels the latency, clicks and scale requests are routed over (by a policy file), so N channels allow N cards/s")
	split := fs.Bool("split", false, "latency and clicks also with the gateway (own Temporal client, no worker) and `jitflow worker` (a child) apart")
	drain := fs.Bool("drain", false, "scale: wait until all N cards are posted; report drain time and cards/s, fail on lost or duplicate cards")
	workerCache := fs.Int("worker-cache", 0, "JIT_WORKER_CACHE_SIZE for jitflow (sticky workflow cache size); 0: unset")
	jitflowBin := fs.String("jitflow", "", "jitflow binary for child processes (-split, scale, kill scenarios; default: go build one into a temp dir)")
	outDir := fs.String("out", ".", "directory for bench-results.md and latency.svg")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	childEnv := fs.String("child-env", "", "KEY=VALUE pairs, comma-separated, set only in child processes (`jitflow worker`, `jitflow dev`), e.g. GOMEMLIMIT=900MiB")
	memProfile := fs.String("memprofile", "", "scale: write a heap profile of this process (jitflow dev in memory) with the burst pending, after a GC, to this file (N appended when -n has several sizes)")
	verbose := fs.Bool("v", false, "log jitflow's warnings to stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	opts := options{
		run: map[string]bool{}, duration: *duration, clickCount: *clickCount, bbLatency: *bbLatency,
		slackLatency: *slackLatency, errRate: *errRate, faultDown: *faultDown, cardWait: *cardWait, poll: *poll, keep: *keep, killRequests: *killRequests,
		channels: *channels, split: *split, drain: *drain, workerCache: *workerCache, jitflowBin: *jitflowBin, outDir: *outDir,
		memProfile: *memProfile, childEnv: map[string]string{},
	}
	for _, kv := range strings.Split(*childEnv, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			fmt.Fprintf(stderr, "jitflow-bench: -child-env: %q is not KEY=VALUE\n", kv)
			return 2
		}
		opts.childEnv[k] = v
	}
	if opts.channels < 1 || opts.channels > 999 {
		fmt.Fprintf(stderr, "jitflow-bench: -channels must be 1 to 999, got %d\n", opts.channels)
		return 2
	}
	var err error
	if opts.rates, err = parseList(*rates, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }); err != nil {
		fmt.Fprintf(stderr, "jitflow-bench: -rates: %v\n", err)
		return 2
	}
	if opts.concurrency, err = parseList(*conc, strconv.Atoi); err != nil {
		fmt.Fprintf(stderr, "jitflow-bench: -concurrency: %v\n", err)
		return 2
	}
	if opts.scales, err = parseList(*scales, strconv.Atoi); err != nil {
		fmt.Fprintf(stderr, "jitflow-bench: -n: %v\n", err)
		return 2
	}
	for _, s := range strings.Split(*runList, ",") {
		if s = strings.TrimSpace(s); s == "faults" {
			for _, f := range []string{"flood", "outage", "killworker", "killdev"} {
				opts.run[f] = true
			}
		} else if s != "" {
			opts.run[s] = true
		}
	}
	level := slog.LevelError
	if *verbose {
		level = slog.LevelWarn
	}
	opts.logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "jitflow-bench: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "jitflow-bench: cpu profile: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := &bench{opts: opts, out: newReport(stdout)}
	if err := b.runAll(ctx); err != nil {
		fmt.Fprintf(stderr, "jitflow-bench: %v\n", err)
		return 1
	}
	if !b.out.allPassed() {
		return 1
	}
	return 0
}

func parseList[T any](s string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := parse(f)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", f, err)
		}
		out = append(out, v)
	}
	return out, nil
}
