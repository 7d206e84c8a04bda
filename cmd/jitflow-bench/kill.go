package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/jitflow/jitflow/internal/app"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/workflows"
)

// child is a jitflow process the kill scenarios SIGKILL and restart.
type child struct {
	bin, dir string
	args     []string
	env      []string
	mu       sync.Mutex
	cmd      *exec.Cmd
	starts   int
}

func (c *child) start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.starts++
	logf, err := os.Create(filepath.Join(c.dir, fmt.Sprintf("%s-%d.log", c.args[0], c.starts)))
	if err != nil {
		return fmt.Errorf("child log: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(c.bin, c.args...)
	// Its own directory: no .env.local of the caller's is read.
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = c.dir, c.env, logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start jitflow %s: %w", c.args[0], err)
	}
	c.cmd = cmd
	return nil
}

// kill sends SIGKILL: no shutdown code runs, as in a crash or OOM kill.
func (c *child) kill() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	_ = c.cmd.Wait()
	c.cmd = nil
}

// binary is the jitflow binary for child processes: -jitflow, or one built
// once per run into its own temp dir.
func (b *bench) binary(ctx context.Context) (string, error) {
	if b.opts.jitflowBin != "" {
		return b.opts.jitflowBin, nil
	}
	binDir, err := os.MkdirTemp("", "jitflow-bench-bin-")
	if err != nil {
		return "", fmt.Errorf("temp dir: %w", err)
	}
	b.cleanups = append(b.cleanups, func() { _ = os.RemoveAll(binDir) })
	path := filepath.Join(binDir, "jitflow")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", path, "github.com/jitflow/jitflow")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build jitflow (run from the repository, or pass -jitflow): %w\n%s", err, out)
	}
	b.opts.jitflowBin = path
	return path, nil
}

// scratch makes a temp dir for a run's policy file, child logs and state.
// cleanup removes it; with -keep, one a child wrote to is kept and named.
func (b *bench) scratch() (dir string, cleanup func(hadChild bool), err error) {
	if dir, err = os.MkdirTemp("", "jitflow-bench-"); err != nil {
		return "", nil, fmt.Errorf("temp dir: %w", err)
	}
	return dir, func(hadChild bool) {
		if b.opts.keep && hadChild {
			b.opts.logger.Error("kept the scenario's directory (child logs, state)", "dir", dir)
			return
		}
		_ = os.RemoveAll(dir)
	}, nil
}

func envList(m map[string]string) []string {
	out := os.Environ()
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}

// chaos kills c at random moments (0.5–2 s apart), restarting it after
// 0.2–1 s, n times or until ctx ends; wait returns how many kills it did.
func chaos(ctx context.Context, c *child, n int) (wait func() (int, error)) {
	done := make(chan struct{})
	var kills int
	var err error
	go func() {
		defer close(done)
		for kills < n {
			select {
			case <-ctx.Done():
				return
			case <-time.After(500*time.Millisecond + rand.N(1500*time.Millisecond)):
			}
			c.kill()
			kills++
			time.Sleep(200*time.Millisecond + rand.N(800*time.Millisecond))
			if err = c.start(); err != nil {
				return
			}
		}
	}()
	return func() (int, error) { <-done; return kills, err }
}

// killWorker: the embedded server, the gateway and the fakes run here; the
// worker is a child process, SIGKILLed at random moments while requests
// arrive and while they are approved.
func (b *bench) killWorker(ctx context.Context) (bool, string, error) {
	e, err := b.launch(ctx, setup{how: split})
	if err != nil {
		return false, "", err
	}
	defer e.Close()
	w := e.proc
	issues := e.newIssues(b.opts.killRequests)
	// Kills while requests arrive and their cards are posted…
	waitIntake := chaos(ctx, w, 5)
	if _, err := e.sendAt(ctx, issues, 40); err != nil {
		return false, "", err
	}
	intakeKills, err := waitIntake()
	if err != nil {
		return false, "", err
	}
	if err := waitUntil(ctx, 10*time.Minute, "every card", func() bool { return e.carded(issues) }); err != nil {
		return false, fmt.Sprintf("%d kills", intakeKills), err
	}
	// …and while the approvals run.
	waitDecide := chaos(ctx, w, 3)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(20)
	for i, n := range issues {
		g.Go(func() error { return e.approve(gctx, n, fmt.Sprintf("1700005000.%06d", i)) })
	}
	if err := g.Wait(); err != nil {
		return false, "", err
	}
	decideKills, err := waitDecide()
	if err != nil {
		return false, "", err
	}
	kills := intakeKills + decideKills
	waitErr := waitUntil(ctx, 5*time.Minute, "approvals", func() bool { return e.allDecided(issues) })
	e.settle(ctx, issues)
	ok, detail := e.exactlyOnce(issues)
	return ok && waitErr == nil, fmt.Sprintf("%d requests, worker SIGKILLed %d times; %s", len(issues), kills, detail), waitErr
}

// gateway runs the real gateway in this process against TEMPORAL_ADDRESS.
func (b *bench) gateway(ctx context.Context, env map[string]string, f *fakes) (*driver, func(), error) {
	cfg, err := config.Load(config.RoleGateway, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		return nil, nil, fmt.Errorf("gateway configuration: %w", err)
	}
	c, err := app.Dial(ctx, cfg.TemporalAddress, cfg.TemporalNamespace, b.opts.logger, nil)
	if err != nil {
		return nil, nil, err
	}
	ops, err := app.NewOps(b.opts.logger)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ops.Close()
		c.Close()
		return nil, nil, fmt.Errorf("gateway listener: %w", err)
	}
	gctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- app.RunGateway(gctx, l, c, cfg, b.opts.logger, ops) }()
	base := "http://" + l.Addr().String()
	d := newDriver(base+"/api/bytebase/webhook?token="+webhookToken, base+"/api/slack/interact", f.bb.URL())
	return d, func() {
		cancel()
		if err := <-done; err != nil {
			b.opts.logger.Warn("gateway", "error", err)
		}
		ops.Close()
		c.Close()
	}, nil
}

// median is the middle of ts (the later of the two middle ones).
func median(ts []time.Time) time.Time {
	if len(ts) == 0 {
		return time.Time{}
	}
	slices.SortFunc(ts, time.Time.Compare)
	return ts[len(ts)/2]
}

// sleepUntil waits until t (at once if it has passed) or ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// remindersDue is when each issue's reminder is due, as its workflow set
// it: remind after the step became pending (the card's StepSince, in the
// workflow's clock, which is this machine's), or when the card was posted if
// that was later (the timer is armed once the card is up): a card that
// waited in its channel's queue is reminded sooner than remind after its
// post.
func (e *env) remindersDue(ctx context.Context, issues []int64, remind time.Duration, logger *slog.Logger) (map[int64]time.Time, error) {
	c, err := e.temporalClient(ctx, logger)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	due := map[int64]time.Time{}
	for _, n := range issues {
		v, err := c.QueryWorkflow(ctx, workflows.WorkflowID(bytebase.IssueRef{Project: project, Number: n}), "", workflows.QueryState)
		if err != nil {
			return nil, fmt.Errorf("state of issue %d: %w", n, err)
		}
		var st workflows.State
		if err := v.Get(&st); err != nil {
			return nil, fmt.Errorf("state of issue %d: %w", n, err)
		}
		if st.Card.StepSince.IsZero() {
			return nil, fmt.Errorf("issue %d: no pending step (status %s)", n, st.Status)
		}
		due[n] = st.Card.StepSince.Add(remind)
		if posted, ok := e.f.slackRc.FirstPost(n); ok && posted.After(due[n]) {
			due[n] = posted
		}
	}
	return due, nil
}

// killDev: the whole `jitflow dev` (embedded server on a SQLite file) is
// SIGKILLed mid-intake and again with every request pending; after each
// restart on the same state dir the requests resume, their reminder timers
// fire, and each is approved once.
func (b *bench) killDev(ctx context.Context) (bool, string, error) {
	// Ten channels post the 50 cards within seconds of the lease being
	// taken, well before the first reminders are due.
	const remind = 40 * time.Second
	e, err := b.launch(ctx, setup{how: devChild, channels: 10, defaults: fmt.Sprintf("remind_after: %s", remind)})
	if err != nil {
		return false, "", err
	}
	defer e.Close()
	dv, ready, f := e.proc, e.ready, e.f
	issues := e.newIssues(50)

	// 1. Killed mid-intake; Bytebase retries a webhook that got no 200.
	go func() { time.Sleep(1500 * time.Millisecond); dv.kill() }()
	var undelivered []int64
	for _, n := range issues {
		if err := e.d.webhook(ctx, n); err != nil {
			undelivered = append(undelivered, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	dv.kill()
	if err := dv.start(); err != nil {
		return false, "", err
	}
	if err := ready(); err != nil {
		return false, "after the first restart", err
	}
	for _, n := range undelivered {
		if err := e.d.webhook(ctx, n); err != nil {
			return false, "", err
		}
	}
	if err := waitUntil(ctx, 3*time.Minute, "every card", func() bool { return e.carded(issues) }); err != nil {
		return false, "cards after the first restart", err
	}

	// 2. Killed with all pending once about half of the reminders are due:
	// the other half must fire after the restart.
	due, err := e.remindersDue(ctx, issues, remind, b.opts.logger)
	if err != nil {
		return false, "reminder deadlines before the second kill", err
	}
	if err := sleepUntil(ctx, median(slices.Collect(maps.Values(due)))); err != nil {
		return false, "", err
	}
	dv.kill()
	killed := time.Now() // the process is gone: nothing due after this fired before the kill
	if err := dv.start(); err != nil {
		return false, "", err
	}
	if err := ready(); err != nil {
		return false, "after the second restart", err
	}
	// A reminder due after the kill must fire after the restart; one due
	// before it has fired already, or fires after the restart if its turn
	// came while the process died.
	reminded, dueAfter := 0, 0
	remindErr := waitUntil(ctx, 2*time.Minute+remind, "reminders after the restart", func() bool {
		reminded, dueAfter = 0, 0
		for _, n := range issues {
			since := time.Time{}
			if due[n].After(killed) {
				since = killed
				dueAfter++
			}
			if _, ok := f.slackRc.FirstAfter("update", n, since); ok {
				reminded++
			}
		}
		return reminded == len(issues)
	})
	for i, n := range issues {
		if err := e.approve(ctx, n, fmt.Sprintf("1700006000.%06d", i)); err != nil {
			return false, "", err
		}
	}
	waitErr := waitUntil(ctx, 3*time.Minute, "approvals", func() bool { return e.allDecided(issues) })
	e.settle(ctx, issues)
	ok, detail := e.exactlyOnce(issues)
	detail = fmt.Sprintf("50 requests, dev SIGKILLed mid-intake (%d webhooks retried) and with all pending; %d/%d cards reminded (%d of those due after the kill, reminded after the restart); %s",
		len(undelivered), reminded, len(issues), dueAfter, detail)
	if dueAfter == 0 {
		// Every timer had fired before the kill: the run tested no timer across it.
		return false, detail, errors.New("no reminder was due after the kill")
	}
	return ok && remindErr == nil && waitErr == nil, detail, errors.Join(remindErr, waitErr)
}

// freePorts finds n free TCP ports on 127.0.0.1 for a child to bind.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
