package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/policy"
	"github.com/jitflow/jitflow/internal/slackui"
)

// onClick handles one Approve or Deny click. Every click is recorded and
// answered privately, accepted or not.
func (r *request) onClick(ctx workflow.Context, c Click) {
	if r.seen[c.ID] {
		return // the same click delivered again: it was answered the first time
	}
	r.seen[c.ID] = true
	rec := ClickRecord{Click: c}
	refuse := func(reason string) {
		rec.Outcome = reason
		r.clicks = append(r.clicks, rec)
		r.notify(ctx, c, slackui.EphemeralRefused(reason))
	}

	if r.result.Status != "" {
		rec.Outcome = "request already closed: " + string(r.card.State)
		r.clicks = append(r.clicks, rec)
		r.notify(ctx, c, slackui.EphemeralStale(r.card))
		return
	}
	if r.policy.ApprovalMode == policy.ModeNotifyOnly {
		refuse("This request is decided in Bytebase, not in Slack. Nothing was done.")
		return
	}
	if c.Step != r.card.Step {
		refuse(fmt.Sprintf("That card showed step %d, but step %d of %d is pending now. Nothing was done.", c.Step, r.card.Step, r.card.TotalSteps))
		return
	}
	if c.Decision == Deny && r.policy.RequireDenyReason && strings.TrimSpace(c.Reason) == "" {
		refuse("A reason is required to deny this request. Nothing was done.")
		return
	}
	var who slackui.Person
	if err := r.await(ctx, r.read(ctx, slackAPI, "Look up the clicker in Slack", a.LookupSlackUser, c.UserID), &who); err != nil {
		r.logger.Warn("Looking up the clicker in Slack failed; the click is refused", "user", c.UserID, "error", err)
		refuse("jitflow could not look you up in Slack, so nothing was done. Please try again.")
		return
	}
	rec.By = who
	var auth activities.AuthorizeResult
	authIn := activities.AuthorizeInput{Issue: r.issue, Step: c.Step, Clicker: who}
	check := r.read(ctx, bytebaseAPI, "May "+who.Email+" decide step "+fmt.Sprint(c.Step)+"?", a.Authorize, authIn)
	if err := r.awaitBytebase(ctx, check, "checking the permissions of "+who.Email, &auth); err != nil {
		r.logger.Warn("Checking the clicker's permissions failed; the click is refused", "user", c.UserID, "error", err)
		refuse("jitflow could not check your permissions in Bytebase, so nothing was done. Please try again.")
		return
	}
	if !auth.Allowed {
		refuse(auth.Reason + " Nothing was done.")
		r.threadReply(ctx, slackui.RefusedReply(who, actionID(c.Decision), c.Step, r.card.TotalSteps, auth.Reason))
		return
	}

	in := activities.DecideInput{Issue: r.ref, Step: c.Step, Approve: c.Decision == Approve, Comment: decisionComment(c, who)}
	var res activities.DecideResult
	summary := fmt.Sprintf("%s step %d in Bytebase for %s", verbTitle(c.Decision), c.Step, who.Email)
	decide := workflow.ExecuteActivity(bytebaseCtx(ctx, summary), a.Decide, in)
	if err := r.awaitBytebase(ctx, decide, fmt.Sprintf("%s step %d for %s", gerund(c.Decision), c.Step, who.Email), &res); err != nil {
		rec.Outcome = "failed: " + err.Error()
		r.clicks = append(r.clicks, rec)
		r.fail(ctx, fmt.Sprintf("Could not %s step %d in Bytebase: %s", c.Decision, c.Step, rootMessage(err)))
		r.notify(ctx, c, slackui.EphemeralRefused(fmt.Sprintf("Your %s could not be recorded in Bytebase. The card shows the failure; please decide in Bytebase.", c.Decision)))
		return
	}
	if res.Outcome == activities.NotPending {
		rec.Outcome = "not pending in Bytebase any more"
		r.clicks = append(r.clicks, rec)
		r.apply(ctx, res.Issue)
		r.notify(ctx, c, slackui.EphemeralStale(r.card))
		return
	}

	rec.Accepted, rec.Outcome = true, "approved"
	if c.Decision == Deny {
		rec.Outcome = "denied"
	}
	r.clicks = append(r.clicks, rec)
	clicked := r.card // as the clicker saw it, for their confirmation
	r.applyDecision(ctx, c, who, res.Issue)
	r.notify(ctx, c, slackui.EphemeralDone(actionID(c.Decision), clicked))
}

// applyDecision reflects a decision jitflow recorded in Bytebase: a denial or
// a final approval closes the request; an approval that leaves another step
// pending moves the same card to that step.
func (r *request) applyDecision(ctx workflow.Context, c Click, who slackui.Person, after bytebase.Issue) {
	r.issue = after
	now := workflow.Now(ctx)
	if c.Decision == Deny {
		r.card.State, r.card.Decider, r.card.DecidedAt, r.card.DenyReason = slackui.StateDenied, &who, now, strings.TrimSpace(c.Reason)
		r.publish(ctx)
		r.finish(ctx, StatusDenied, who)
		r.dmRequester(ctx, slackui.DMDenied(r.card))
		return
	}
	r.card.StepsApproved = append(r.card.StepsApproved, slackui.StepDecision{Step: c.Step, Role: r.card.StepRole, By: who, At: now})
	if after.AwaitingApproval() {
		r.advance(ctx, after)
		r.publish(ctx)
		return
	}
	r.card.State, r.card.Decider, r.card.DecidedAt = slackui.StateApproved, &who, now
	r.publish(ctx)
	r.finish(ctx, StatusApproved, who)
	r.dmRequester(ctx, slackui.DMApproved(r.card))
}
