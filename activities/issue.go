package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/jitflow/jitflow/internal/bytebase"
)

// GetIssue reads the issue afresh (Bytebase's cache skipped).
func (a *Activities) GetIssue(ctx context.Context, ref bytebase.IssueRef) (bytebase.Issue, error) {
	is, err := a.Bytebase.GetIssue(ctx, ref)
	if err != nil {
		return bytebase.Issue{}, bytebaseFailure(fmt.Errorf("read issue %s: %w", ref, err))
	}
	return is, nil
}

// DecideInput asks for one step of an issue to be approved or rejected.
type DecideInput struct {
	Issue   bytebase.IssueRef `json:"issue"`
	Step    int               `json:"step"`
	Approve bool              `json:"approve"`
	Comment string            `json:"comment"`
}

// DecideOutcome says whether the decision took effect.
type DecideOutcome string

const (
	// Applied: this decision is now recorded in Bytebase (by this attempt or
	// an earlier attempt of the same activity).
	Applied DecideOutcome = "applied"
	// NotPending: the step was no longer awaiting approval (decided in
	// Bytebase, canceled, closed); nothing was done.
	NotPending DecideOutcome = "not_pending"
)

// DecideResult carries the issue as it is after the call.
type DecideResult struct {
	Outcome DecideOutcome  `json:"outcome"`
	Issue   bytebase.Issue `json:"issue"`
}

// Decide approves or rejects one step. Bytebase's approve does not check the
// issue's status and lets one account approve several steps, so the issue is
// re-read first and the call is made only when exactly this step is pending
// on an OPEN issue. A retry after a success that timed out finds our own
// approval in the issue and reports Applied without acting twice.
func (a *Activities) Decide(ctx context.Context, in DecideInput) (DecideResult, error) {
	cur, err := a.Bytebase.GetIssue(ctx, in.Issue)
	if err != nil {
		return DecideResult{}, bytebaseFailure(fmt.Errorf("read issue %s before deciding: %w", in.Issue, err))
	}
	if a.decidedByUs(cur, in) {
		return DecideResult{Outcome: Applied, Issue: cur}, nil
	}
	if !cur.AwaitingApproval() || cur.PendingStep() != in.Step {
		return DecideResult{Outcome: NotPending, Issue: cur}, nil
	}

	call, verb := a.Bytebase.Reject, "reject"
	if in.Approve {
		call, verb = a.Bytebase.Approve, "approve"
	}
	after, err := call(ctx, in.Issue, in.Comment)
	switch {
	case err == nil:
		return DecideResult{Outcome: Applied, Issue: after}, nil
	case errors.Is(err, bytebase.ErrAlreadyApproved), errors.Is(err, bytebase.ErrAlreadyRejected):
		// Someone (or a concurrent attempt) got there first: report what is now true.
		now, rerr := a.Bytebase.GetIssue(ctx, in.Issue)
		if rerr != nil {
			return DecideResult{}, bytebaseFailure(fmt.Errorf("re-read issue %s: %w", in.Issue, rerr))
		}
		if a.decidedByUs(now, in) {
			return DecideResult{Outcome: Applied, Issue: now}, nil
		}
		return DecideResult{Outcome: NotPending, Issue: now}, nil
	default:
		return DecideResult{}, bytebaseFailure(fmt.Errorf("%s step %d of %s: %w", verb, in.Step, in.Issue, err))
	}
}

// decidedByUs reports whether the step already carries this decision made by
// jitflow's service account.
func (a *Activities) decidedByUs(is bytebase.Issue, in DecideInput) bool {
	if in.Step < 1 || len(is.Approvers) < in.Step {
		return false
	}
	ap := is.Approvers[in.Step-1]
	want := "REJECTED"
	if in.Approve {
		want = "APPROVED"
	}
	return ap.Status == want && equalFoldEmail(ap.Principal, a.ServiceAccount)
}

// CancelInput closes an issue in Bytebase.
type CancelInput struct {
	Issue  bytebase.IssueRef `json:"issue"`
	Reason string            `json:"reason"`
}

// Cancel sets the issue CANCELED: a rejection alone leaves it OPEN.
func (a *Activities) Cancel(ctx context.Context, in CancelInput) error {
	if err := a.Bytebase.Cancel(ctx, in.Issue, in.Reason); err != nil {
		return bytebaseFailure(fmt.Errorf("cancel %s: %w", in.Issue, err))
	}
	return nil
}
