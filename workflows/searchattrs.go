package workflows

import (
	"strconv"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/slackui"
)

// Search attributes that make requests findable in the Temporal UI, e.g.
// JitStatus="pending" AND JitRequester="dev@example.com".
var (
	AttrStatus      = temporal.NewSearchAttributeKeyKeyword("JitStatus")
	AttrRequester   = temporal.NewSearchAttributeKeyKeyword("JitRequester")
	AttrApprover    = temporal.NewSearchAttributeKeyKeyword("JitApprover")
	AttrProject     = temporal.NewSearchAttributeKeyKeyword("JitProject")
	AttrIssue       = temporal.NewSearchAttributeKeyKeyword("JitIssue")
	AttrRole        = temporal.NewSearchAttributeKeyKeyword("JitRole")
	AttrDatabases   = temporal.NewSearchAttributeKeyKeywordList("JitDatabases")
	AttrEnvironment = temporal.NewSearchAttributeKeyKeyword("JitEnvironment")
	AttrDecidedAt   = temporal.NewSearchAttributeKeyTime("JitDecidedAt")
)

// SearchAttributes is what a namespace must have registered for jitflow.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		AttrStatus.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrRequester.GetName():   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrApprover.GetName():    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrProject.GetName():     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrIssue.GetName():       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrRole.GetName():        enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrDatabases.GetName():   enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
		AttrEnvironment.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrDecidedAt.GetName():   enumspb.INDEXED_VALUE_TYPE_DATETIME,
	}
}

// StartAttributes are known before the issue is read: set at start so even a
// request that fails on its first read can be found.
func StartAttributes(ref bytebase.IssueRef) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		AttrProject.ValueSet(ref.Project),
		AttrIssue.ValueSet(issueKey(ref)),
	)
}

func issueKey(ref bytebase.IssueRef) string {
	return ref.Project + "/" + strconv.FormatInt(ref.Number, 10)
}

func (r *request) setStatus(ctx workflow.Context, s Status) {
	r.status = s
	r.upsert(ctx, AttrStatus.ValueSet(string(s)))
}

func (r *request) upsertIssueAttributes(ctx workflow.Context, is bytebase.Issue) {
	updates := []temporal.SearchAttributeUpdate{
		AttrRequester.ValueSet(strings.ToLower(is.Requester)),
		AttrRole.ValueSet(is.Role),
		AttrDatabases.ValueSet(is.DatabaseNames()),
	}
	if env := r.policy.Environment; env != "" {
		updates = append(updates, AttrEnvironment.ValueSet(env))
	}
	r.upsert(ctx, updates...)
}

func (r *request) upsertDecision(ctx workflow.Context, decider slackui.Person) {
	if decider.Email == "" {
		return
	}
	r.upsert(ctx,
		AttrApprover.ValueSet(strings.ToLower(decider.Email)),
		AttrDecidedAt.ValueSet(workflow.Now(ctx)),
	)
}

// upsert logs instead of failing: a missing attribute must not stop a request.
func (r *request) upsert(ctx workflow.Context, updates ...temporal.SearchAttributeUpdate) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		r.logger.Error("Updating search attributes failed", "issue", r.ref.String(), "error", err)
	}
}
