package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
)

// Names of the poller, which workers and operators share.
const (
	PollerWorkflowName = "PollerWorkflow"
	// PollerWorkflowID is fixed: every worker starts-or-joins this one ID,
	// so one poller runs however many workers are deployed.
	PollerWorkflowID     = "jit-poller"
	SignalPollerSettings = "settings"
)

const (
	// pollsPerRun bounds one run's history (about a dozen events per poll)
	// before the poller continues as new.
	pollsPerRun = 100
	// maxPollBackoff caps the wait between attempts while Bytebase fails.
	maxPollBackoff = 5 * time.Minute
)

// pollRetry retries a failing poll for as long as it takes, backing off from
// 1 s to 5 min: no hot loop against a failing Bytebase, and no giving up.
var pollRetry = &temporal.RetryPolicy{
	InitialInterval:    time.Second,
	BackoffCoefficient: 2,
	MaximumInterval:    maxPollBackoff,
	// MaximumAttempts 0: unlimited.
}

// PollerSettings are a worker's poll settings. Every worker sends its own at
// start; the running poller adopts the newest.
type PollerSettings struct {
	Interval   time.Duration `json:"interval"` // JIT_POLL_INTERVAL; 0 stops the poller
	IssueTypes []string      `json:"issueTypes"`
	Projects   []string      `json:"projects,omitempty"` // empty: every project
}

// PollerInput starts (or continues) the poller.
type PollerInput struct {
	Settings PollerSettings `json:"settings"`
	Failures int            `json:"failures,omitempty"` // consecutive failed polls so far
}

// PollerStartOptions join the running poller, or start one if none runs
// (also after one stopped or failed).
func PollerStartOptions(taskQueue string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       PollerWorkflowID,
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:            "Polls Bytebase for requests awaiting approval",
	}
}

// PollerWorkflow polls Bytebase for pending approvals every Interval and
// starts or joins each one's approval workflow (through the PollPending
// activity). Its timer is durable: after downtime an overdue poll runs at
// once and catches up on everything pending. A settings signal is adopted
// at once and triggers a poll; an Interval of 0 stops the poller.
func PollerWorkflow(ctx workflow.Context, in PollerInput) error {
	p := &poller{settings: in.Settings, failures: in.Failures, logger: workflow.GetLogger(ctx)}
	settings := workflow.GetSignalChannel(ctx, SignalPollerSettings)
	for polls := 0; ; polls++ {
		p.adopt(settings)
		if p.settings.Interval <= 0 {
			p.logger.Info("Poller stopped: a worker has JIT_POLL_INTERVAL=0")
			return nil
		}
		if polls == pollsPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return workflow.NewContinueAsNewError(ctx, PollerWorkflowName, PollerInput{Settings: p.settings, Failures: p.failures})
		}
		p.wait(ctx, settings, p.poll(ctx))
	}
}

type poller struct {
	settings PollerSettings
	failures int
	logger   log.Logger
}

// adopt takes the newest settings that queued up.
func (p *poller) adopt(ch workflow.ReceiveChannel) {
	var s PollerSettings
	for ch.ReceiveAsync(&s) {
		p.settings = s
	}
}

// poll runs one poll and returns how long to wait before the next.
func (p *poller) poll(ctx workflow.Context) time.Duration {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// A poll of a large Bytebase may take a while; a worker that dies
		// mid-poll is noticed by its missing heartbeats (one per page).
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         pollRetry,
		Summary:             "Search Bytebase for requests awaiting approval",
	})
	in := activities.PollInput{IssueTypes: p.settings.IssueTypes, Projects: p.settings.Projects}
	var res activities.PollResult
	if err := workflow.ExecuteActivity(actx, a.PollPending, in).Get(ctx, &res); err != nil {
		// Only an error retrying cannot fix gets here; wait longer each time.
		p.failures++
		next := pollBackoff(p.settings.Interval, p.failures)
		p.logger.Warn("Poll failed; polling again later", "error", err, "failures", p.failures, "next_in", next)
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("Last poll failed (%d in a row); next in %s.", p.failures, next))
		return next
	}
	p.failures = 0
	p.logger.Debug("Poll done", "pages", res.Pages, "pending", res.Pending, "signalled", res.Signalled)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("Last poll %s: %d pending, %d handed on, %d page(s).",
		workflow.Now(ctx).UTC().Format(time.RFC3339), res.Pending, res.Signalled, res.Pages))
	return p.settings.Interval
}

// wait sleeps on a durable timer until the next poll is due, or until new
// settings arrive (left in the channel for adopt).
func (p *poller) wait(ctx workflow.Context, settings workflow.ReceiveChannel, d time.Duration) {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(workflow.NewTimerWithOptions(tctx, d, workflow.TimerOptions{Summary: "Next poll of Bytebase"}), func(workflow.Future) {})
	sel.AddReceive(settings, func(workflow.ReceiveChannel, bool) {})
	sel.Select(ctx)
}

// pollBackoff doubles the interval per consecutive failure, up to 5 min (or
// the interval, if that is longer).
func pollBackoff(interval time.Duration, failures int) time.Duration {
	d := interval
	for i := 0; i < failures && d < maxPollBackoff; i++ {
		d *= 2
	}
	return max(interval, min(d, maxPollBackoff))
}
