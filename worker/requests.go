package worker

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/workflows"
)

// NewRequestStarter is how the poller's activity starts or joins requests:
// with the same workflow ID and options as the webhook path, so a webhook
// and a poll for one issue can never make two cards.
func NewRequestStarter(c client.Client, taskQueue string) activities.RequestStarter {
	return requestStarter{c: c, taskQueue: taskQueue}
}

type requestStarter struct {
	c         client.Client
	taskQueue string
}

func (s requestStarter) StartOrJoin(ctx context.Context, ref bytebase.IssueRef, pendingStep int, summary string) error {
	hint := workflows.Hint{Event: workflows.HintPoll, PendingStep: pendingStep}
	_, err := s.c.SignalWithStartWorkflow(ctx, workflows.WorkflowID(ref), workflows.SignalHint, hint,
		workflows.StartOptions(ref, s.taskQueue, summary), workflows.ApprovalWorkflowName, workflows.ApprovalInput{Issue: ref})
	if err != nil {
		return fmt.Errorf("signal-with-start %s: %w", workflows.WorkflowID(ref), err)
	}
	return nil
}
