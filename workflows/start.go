package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
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
