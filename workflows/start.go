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
func StartOptions(ref bytebase.IssueRef, taskQueue string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       WorkflowID(ref),
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes:    StartAttributes(ref),
		StaticSummary:            "Bytebase issue " + ref.String(),
	}
}
