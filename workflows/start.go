package workflows

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/jitflow/jitflow/internal/bytebase"
)

// StartOptions are the options every path that starts an approval workflow
// uses, so webhooks, the poller and retries collapse onto one workflow per
// issue: a running workflow is joined; a closed one may be followed by a new
// run, since an issue re-requested after a rejection needs a new card (the
// new run reads the issue and ends at once if nothing awaits approval).
//
// summary ("dev@example.com → SQL Editor User on hr_prod") becomes the
// static summary shown in the Temporal UI when the caller has read the issue
// (the poller); the webhook path has not, and names the issue instead. The
// workflow's current details always carry the full line.
func StartOptions(ref bytebase.IssueRef, taskQueue, summary string) client.StartWorkflowOptions {
	if summary == "" {
		summary = "Bytebase issue " + ref.String()
	}
	return client.StartWorkflowOptions{
		ID:                       WorkflowID(ref),
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes:    StartAttributes(ref),
		StaticSummary:            summary,
	}
}

// Starter is the part of the Temporal client that StartRequest needs.
type Starter interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	SignalWithStartWorkflow(ctx context.Context, workflowID, signalName string, signalArg any,
		options client.StartWorkflowOptions, workflow any, workflowArgs ...any) (client.WorkflowRun, error)
}

// StartRequest starts the approval workflow of in.Issue, or hands the hint to
// the one already running. A new request is started with ExecuteWorkflow and
// eager start: when a worker shares c (jitflow dev), the server returns the
// workflow's first task to that worker in its answer instead of through the
// task queue. Only when the workflow exists already is the hint sent, with
// SignalWithStart, which also covers a workflow that closed in between.
func StartRequest(ctx context.Context, c Starter, taskQueue, summary string, in ApprovalInput, hint Hint) error {
	opts := StartOptions(in.Issue, taskQueue, summary)
	eager := opts
	eager.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL
	eager.WorkflowExecutionErrorWhenAlreadyStarted = true
	eager.EnableEagerStart = true
	_, err := c.ExecuteWorkflow(ctx, eager, ApprovalWorkflowName, in)
	var running *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.As(err, &running) {
		if err != nil {
			return fmt.Errorf("start %s: %w", opts.ID, err)
		}
		return nil
	}
	if _, err := c.SignalWithStartWorkflow(ctx, opts.ID, SignalHint, hint, opts, ApprovalWorkflowName, in); err != nil {
		return fmt.Errorf("signal-with-start %s: %w", opts.ID, err)
	}
	return nil
}
