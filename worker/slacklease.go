package worker

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/jitflow/jitflow/internal/slackgov"
	"github.com/jitflow/jitflow/workflows"
)

// LeaseTiming is how the Slack lease is held. A holder renews every Every
// for TTL, and counts the lease as its own for TTL-Margin from when it
// asked: Margin covers the trip to Temporal and clock skew, so a holder that
// stops renewing stops posting before anyone else may start. Another worker
// takes over at most TTL+Every after the holder dies, or at once (after a
// one-second gap) when the holder stops cleanly and gives it up.
type LeaseTiming struct {
	TTL, Every, Margin time.Duration
}

// DefaultLeaseTiming: a holder may miss a renewal and keep the lease; a
// killed holder's channel posts wait at most 20 s for the next one.
var DefaultLeaseTiming = LeaseTiming{TTL: 15 * time.Second, Every: 5 * time.Second, Margin: 5 * time.Second}

// slackLease keeps this process's claim on the Slack lease of a task queue
// base, records it in the governor, and runs the channel-queue workers
// while it holds it.
type slackLease struct {
	c         client.Client
	taskQueue string
	holder    string
	timing    LeaseTiming
	gov       *slackgov.Governor
	logger    *slog.Logger
	// gained starts the workers that post to channels; lost stops them.
	gained func() error
	lost   func()

	holding bool
}

// holderName names this process in the lease: host, pid and a random part,
// unique even across a restart with the same pid.
func holderName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8])
}

// run renews (or tries to take) the lease every k.timing.Every until ctx
// ends, then gives the lease up if it holds it.
func (k *slackLease) run(ctx context.Context) {
	t := time.NewTicker(k.timing.Every)
	defer t.Stop()
	for {
		k.renew(ctx)
		select {
		case <-ctx.Done():
			k.giveUp()
			return
		case <-t.C:
		}
	}
}

// renew asks for the lease once.
func (k *slackLease) renew(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, k.timing.Every)
	defer cancel()
	asked := time.Now()
	lease, err := k.ask(ctx)
	switch {
	case err != nil:
		if ctx.Err() == nil || k.holding {
			k.logger.Warn("Renewing the Slack lease failed", "error", err, "holding", k.holding)
		}
		if k.holding && !k.gov.Holding() { // our time ran out meanwhile
			k.lose("could not renew it in time")
		}
	case lease.Granted:
		k.gov.HoldUntil(asked.Add(k.timing.TTL - k.timing.Margin))
		if !k.holding {
			if err := k.gained(); err != nil {
				k.logger.Error("Starting the Slack channel workers failed; giving the lease up", "error", err)
				k.gov.HoldUntil(time.Time{})
				k.release()
				return
			}
			k.holding = true
			k.logger.Info("This worker holds the Slack lease: it posts to Slack channels", "holder", k.holder)
		}
	default:
		if k.holding {
			k.lose("held by " + lease.Holder)
		}
	}
}

// ask sends one acquire update, starting the lease workflow if none runs.
func (k *slackLease) ask(ctx context.Context) (workflows.Lease, error) {
	start := k.c.NewWithStartWorkflowOperation(workflows.SlackLeaseStartOptions(k.taskQueue),
		workflows.SlackLeaseWorkflowName, workflows.LeaseState{})
	h, err := k.c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   workflows.UpdateAcquireLease,
			Args:         []any{workflows.LeaseRequest{Holder: k.holder, TTL: k.timing.TTL}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return workflows.Lease{}, fmt.Errorf("ask for the Slack lease: %w", err)
	}
	var lease workflows.Lease
	if err := h.Get(ctx, &lease); err != nil {
		return workflows.Lease{}, fmt.Errorf("ask for the Slack lease: %w", err)
	}
	return lease, nil
}

// lose stops posting: the governor first (so a post in flight fails and is
// retried by the next holder), then the channel workers.
func (k *slackLease) lose(why string) {
	k.gov.HoldUntil(time.Time{})
	k.lost()
	k.holding = false
	k.logger.Warn("This worker lost the Slack lease; it no longer posts to Slack channels", "why", why)
}

// giveUp stops posting and releases the lease, so the next worker need not
// wait for it to run out.
func (k *slackLease) giveUp() {
	if !k.holding {
		return
	}
	k.gov.HoldUntil(time.Time{})
	k.lost()
	k.holding = false
	k.release()
}

func (k *slackLease) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	h, err := k.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflows.SlackLeaseID(k.taskQueue),
		UpdateName:   workflows.UpdateReleaseLease,
		Args:         []any{k.holder},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		k.logger.Warn("Giving up the Slack lease failed; the next worker takes it when it runs out", "error", err)
		return
	}
	k.logger.Info("Gave up the Slack lease", "holder", k.holder)
}
