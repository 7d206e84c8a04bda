package workflows

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/internal/queues"
)

// Names of the Slack lease, which workers share. One worker process at a
// time holds the lease; it alone posts to Slack channels, pacing them in
// process (see internal/slackgov), which is what lets a card be posted from
// the workflow task that starts its request.
const (
	SlackLeaseWorkflowName = "SlackLeaseWorkflow"
	UpdateAcquireLease     = "acquire"
	UpdateReleaseLease     = "release"
	QuerySlackLease        = "lease" // the LeaseState
)

const (
	// leaseUpdatesPerRun bounds one run's history (five events per update)
	// before the lease continues as new.
	leaseUpdatesPerRun = 500
	// maxLeaseTTL refuses a request that would hold the lease for long.
	maxLeaseTTL = 5 * time.Minute
	// releaseGap: after a release, the lease is free this long later, so
	// the next holder's first post keeps a turn's distance from the last
	// holder's last.
	releaseGap = time.Second
)

// SlackLeaseID is the lease's workflow ID for the task queue base (the
// jitflow deployment).
func SlackLeaseID(taskQueue string) string { return "jit-slack-lease/" + taskQueue }

// SlackLeaseStartOptions join the running lease, or start it, on the lease's
// own task queue (see queues.LeaseQueue).
func SlackLeaseStartOptions(taskQueue string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       SlackLeaseID(taskQueue),
		TaskQueue:                queues.LeaseQueue(taskQueue),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:            "Which worker posts to Slack",
	}
}

// LeaseRequest asks for (or renews) the lease for TTL.
type LeaseRequest struct {
	Holder string        `json:"holder"`
	TTL    time.Duration `json:"ttl"`
}

// Lease is the answer: who holds the lease and until when (in the
// workflow's clock). Granted says whether it went to the asker.
type Lease struct {
	Holder  string    `json:"holder,omitempty"`
	Until   time.Time `json:"until,omitzero"`
	Granted bool      `json:"granted"`
}

// LeaseState is the lease, carried across continue-as-new. An empty Holder
// with an Until in the future is a lease given up, free from Until.
type LeaseState struct {
	Holder string    `json:"holder,omitempty"`
	Until  time.Time `json:"until,omitzero"`
}

// SlackLeaseWorkflow keeps the Slack lease: an acquire update grants it to
// the asker if the asker holds it already (a renewal), or it is free, or
// its holder's time ran out; a release update gives it up. Time is the
// workflow's: one clock decides for every worker.
func SlackLeaseWorkflow(ctx workflow.Context, st LeaseState) error {
	logger := workflow.GetLogger(ctx)
	updates := 0
	if err := workflow.SetQueryHandler(ctx, QuerySlackLease, func() (LeaseState, error) { return st, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAcquireLease,
		func(ctx workflow.Context, req LeaseRequest) (Lease, error) {
			updates++
			now := workflow.Now(ctx)
			if req.Holder != st.Holder && now.Before(st.Until) {
				return Lease{Holder: st.Holder, Until: st.Until}, nil
			}
			if req.Holder != st.Holder {
				logger.Info("Slack lease taken", "holder", req.Holder, "previous", st.Holder)
			}
			st = LeaseState{Holder: req.Holder, Until: now.Add(req.TTL)}
			return Lease{Holder: st.Holder, Until: st.Until, Granted: true}, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req LeaseRequest) error {
			switch {
			case req.Holder == "":
				return errors.New("no holder named")
			case req.TTL <= 0 || req.TTL > maxLeaseTTL:
				return fmt.Errorf("lease TTL %s is not in (0, %s]", req.TTL, maxLeaseTTL)
			}
			return nil
		}},
	); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateReleaseLease, func(ctx workflow.Context, holder string) error {
		updates++
		if holder == st.Holder {
			logger.Info("Slack lease given up", "holder", holder)
			st = LeaseState{Until: workflow.Now(ctx).Add(releaseGap)}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool {
		return updates >= leaseUpdatesPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	return workflow.NewContinueAsNewError(ctx, SlackLeaseWorkflowName, st)
}
