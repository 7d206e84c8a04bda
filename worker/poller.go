package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/workflows"
)

// StartPoller makes sure the one poller runs, with this worker's settings:
// it starts the poller, or hands the running one these settings, which it
// adopts at once. With JIT_POLL_INTERVAL=0 it warns, and asks a running
// poller to stop; a worker started later with an interval starts it again.
func StartPoller(ctx context.Context, c client.Client, cfg config.Config, logger *slog.Logger) error {
	s := workflows.PollerSettings{Interval: cfg.PollInterval, IssueTypes: cfg.IssueTypes, Projects: cfg.Projects}
	if s.Interval <= 0 {
		logger.Warn("JIT_POLL_INTERVAL=0: polling is off; only Bytebase webhooks (≤ 3.11.0) will bring requests in")
		err := c.SignalWorkflow(ctx, workflows.PollerWorkflowID, "", workflows.SignalPollerSettings, s)
		var notFound *serviceerror.NotFound
		switch {
		case errors.As(err, &notFound):
		case err != nil:
			logger.Warn("could not ask the running poller to stop", "workflow_id", workflows.PollerWorkflowID, "error", err)
		default:
			logger.Warn("asked the running poller to stop", "workflow_id", workflows.PollerWorkflowID)
		}
		return nil
	}
	run, err := c.SignalWithStartWorkflow(ctx, workflows.PollerWorkflowID, workflows.SignalPollerSettings, s,
		workflows.PollerStartOptions(cfg.TaskQueue), workflows.PollerWorkflowName, workflows.PollerInput{Settings: s})
	switch {
	case err != nil && ctx.Err() != nil:
		return nil // shutting down before we got going
	case err != nil:
		return fmt.Errorf("start the Bytebase poller: %w", err)
	}
	logger.Info("poller running", "workflow_id", workflows.PollerWorkflowID, "run_id", run.GetRunID(),
		"interval", s.Interval, "issue_types", s.IssueTypes, "projects", s.Projects)
	return nil
}
