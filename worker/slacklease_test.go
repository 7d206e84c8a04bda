package worker

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/devserver"
	"github.com/jitflow/jitflow/internal/slackgov"
)

// keeper is one worker process's side of the lease, with counts of the
// channel workers it started and stopped.
type keeper struct {
	*slackLease
	gains, losses int
}

func newKeeper(e *temporalEnv, tq, name string, timing LeaseTiming) *keeper {
	k := &keeper{}
	k.slackLease = &slackLease{
		c: e.c, taskQueue: tq, holder: name, timing: timing,
		gov: slackgov.New(ChannelPostsPerSecond, ChannelBurst), logger: slog.New(slog.DiscardHandler),
		gained: func() error { k.gains++; return nil },
		lost:   func() { k.losses++ },
	}
	return k
}

func (k *keeper) requireHolding(t *testing.T, want bool, when string) {
	t.Helper()
	if k.holding != want || k.gov.Holding() != want {
		t.Fatalf("%s: %s holding=%v (governor %v), want %v", when, k.holder, k.holding, k.gov.Holding(), want)
	}
}

// TestSlackLeaseHasOneHolderAndPassesOn runs two keepers against a real
// server: one holds the lease at a time; a holder that dies is replaced once
// its time is up (and has stopped posting by then in its own view); one that
// gives the lease up is replaced after the one-second gap.
func TestSlackLeaseHasOneHolderAndPassesOn(t *testing.T) {
	e := newTemporalEnv(t, devserver.Options{})
	const tq = "lease-test"
	start(t, NewLeaseWorker(e.c, tq))
	timing := LeaseTiming{TTL: 1500 * time.Millisecond, Every: 500 * time.Millisecond, Margin: 500 * time.Millisecond}
	a, b := newKeeper(e, tq, "a", timing), newKeeper(e, tq, "b", timing)
	ctx := context.Background()

	a.renew(ctx)
	b.renew(ctx)
	a.requireHolding(t, true, "first ask")
	b.requireHolding(t, false, "while a holds it")
	a.renew(ctx)
	a.requireHolding(t, true, "a renewed")

	// a dies: no more renewals. b cannot take over until a's time is up.
	died := time.Now()
	b.renew(ctx)
	b.requireHolding(t, false, "right after a's renewal")
	time.Sleep(timing.TTL - timing.Margin + 100*time.Millisecond)
	if a.gov.Holding() {
		t.Fatal("a still counts the lease as its own past TTL-Margin")
	}
	time.Sleep(time.Until(died.Add(timing.TTL + 100*time.Millisecond)))
	b.renew(ctx)
	b.requireHolding(t, true, "after a's time ran out")

	// a comes back: refused, so it stops its channel workers.
	a.renew(ctx)
	a.requireHolding(t, false, "a after b took over")
	if a.gains != 1 || a.losses != 1 {
		t.Errorf("a started channel workers %d times and stopped them %d times, want 1 and 1", a.gains, a.losses)
	}

	// b stops cleanly: a takes over after the release gap, not before.
	b.giveUp()
	b.requireHolding(t, false, "b gave up")
	a.renew(ctx)
	a.requireHolding(t, false, "within the release gap")
	time.Sleep(time.Second + 100*time.Millisecond)
	a.renew(ctx)
	a.requireHolding(t, true, "after the release gap")
	if b.gains != 1 || b.losses != 1 {
		t.Errorf("b started channel workers %d times and stopped them %d times, want 1 and 1", b.gains, b.losses)
	}
}

// TestStartHoldsTheLeaseAndStopGivesItUp checks the assembled process: it
// takes the lease at start (so cards can take the fast path), and gives it
// up on stop.
func TestStartHoldsTheLeaseAndStopGivesItUp(t *testing.T) {
	e := newTemporalEnv(t, devserver.Options{})
	cfg := config.Config{TaskQueue: "start-test", SlackChannel: testChannel}
	stop, err := Start(e.c, cfg, e.acts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !e.acts.Pacer.(*slackgov.Governor).Holding() {
		if ctx.Err() != nil {
			stop()
			t.Fatal("the process never took the Slack lease")
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if e.acts.Pacer.(*slackgov.Governor).Holding() {
		t.Error("still holding the lease after stop")
	}
	// Given up: another process gets it within the release gap.
	other := newKeeper(e, cfg.TaskQueue, "other", DefaultLeaseTiming)
	start(t, NewLeaseWorker(e.c, cfg.TaskQueue))
	time.Sleep(time.Second + 100*time.Millisecond)
	other.renew(ctx)
	other.requireHolding(t, true, "after the first process stopped")
}
