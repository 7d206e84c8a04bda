// Package workflows holds the durable logic of jitflow: one approval workflow
// per Bytebase issue. Workflow code does no I/O; it calls activities.
package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/slackui"
)

// a is only used to name activities; the worker registers the real struct.
var a *activities.Activities

// handledTypes are the issue types jitflow posts cards for.
var handledTypes = []string{"ROLE_GRANT", "ACCESS_GRANT"}

const (
	// While Bytebase is still working out the approval flow (CHECKING), the
	// workflow looks again this often, this many times, before giving up.
	checkingInterval = 20 * time.Second
	checkingAttempts = 15
)

// request is the workflow's state. It lives only inside the workflow and is
// rebuilt by replay; the "state" query exposes a copy.
type request struct {
	ref    bytebase.IssueRef
	id     string
	issue  bytebase.Issue
	card   slackui.Card
	posted *activities.CardRef
	status Status
	clicks []ClickRecord
	seen   map[string]bool // click IDs already handled: replays are no-ops
	note   string
	result Result
	logger log.Logger
}

// ApprovalWorkflow carries one Bytebase issue from "approval required" to a
// decision: it posts the card, waits for a click or a change in Bytebase,
// acts in Bytebase for the human who clicked, and keeps the card current.
func ApprovalWorkflow(ctx workflow.Context, in ApprovalInput) (Result, error) {
	r := &request{
		ref:    in.Issue,
		id:     workflow.GetInfo(ctx).WorkflowExecution.ID,
		status: StatusChecking,
		seen:   map[string]bool{},
		logger: workflow.GetLogger(ctx),
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, r.snapshot); err != nil {
		return Result{}, err
	}
	clicks := workflow.GetSignalChannel(ctx, SignalClick)
	hints := workflow.GetSignalChannel(ctx, SignalHint)

	if err := r.intake(ctx, hints); err != nil {
		r.setStatus(ctx, StatusFailed)
		return Result{Status: StatusFailed, Note: err.Error()}, err
	}
	for r.result.Status == "" {
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(clicks, func(ch workflow.ReceiveChannel, _ bool) {
			var c Click
			ch.Receive(ctx, &c)
			r.onClick(ctx, c)
		})
		sel.AddReceive(hints, func(ch workflow.ReceiveChannel, _ bool) {
			var h Hint
			ch.Receive(ctx, &h)
			news := !h.says(r.card.Step)
			for ch.ReceiveAsync(&h) { // one re-read answers every hint that queued up
				news = news || !h.says(r.card.Step)
			}
			if news {
				r.reconcile(ctx)
			}
		})
		sel.Select(ctx)
	}
	// Clicks that queued behind the decision still get an answer.
	for {
		var c Click
		if !clicks.ReceiveAsync(&c) {
			break
		}
		r.onClick(ctx, c)
	}
	return r.result, nil
}

// intake reads the issue and, when it awaits approval, posts the card. A
// request jitflow doesn't handle ends the workflow with StatusIgnored.
func (r *request) intake(ctx workflow.Context, hints workflow.ReceiveChannel) error {
	is, err := r.readIssue(ctx)
	if err != nil {
		return err
	}
	for i := 0; is.ApprovalStatus == "CHECKING" && i < checkingAttempts; i++ {
		// Bytebase hasn't finished finding the approval flow; a hint or a
		// timer, whichever comes first, triggers the next look.
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(hints, func(ch workflow.ReceiveChannel, _ bool) { drain(ch) })
		sel.AddFuture(workflow.NewTimerWithOptions(ctx, checkingInterval, workflow.TimerOptions{
			Summary: "Bytebase is still finding the approval flow",
		}), func(workflow.Future) {})
		sel.Select(ctx)
		if is, err = r.readIssue(ctx); err != nil {
			return err
		}
	}
	drain(hints) // the issue was just read: queued hints say nothing new
	r.issue = is
	if !handles(is.Type) || !is.AwaitingApproval() {
		r.note = fmt.Sprintf("nothing to do: %s issue, status %s, approval %s", is.Type, is.Status, is.ApprovalStatus)
		r.logger.Info("Issue not awaiting a jitflow decision", "issue", r.ref.String(), "type", is.Type, "status", is.Status, "approval", is.ApprovalStatus)
		r.finish(ctx, StatusIgnored, slackui.Person{})
		return nil
	}

	r.card = newCard(r.id, is)
	r.setStatus(ctx, StatusPending)
	r.upsertIssueAttributes(ctx, is)
	var ref activities.CardRef
	err = workflow.ExecuteActivity(slackCtx(ctx, "Post the request card"), a.PostCard, r.card).Get(ctx, &ref)
	if err != nil {
		return fmt.Errorf("post card: %w", err)
	}
	r.posted = &ref
	return nil
}

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
	if c.Step != r.card.Step {
		refuse(fmt.Sprintf("That card showed step %d, but step %d of %d is pending now. Nothing was done.", c.Step, r.card.Step, r.card.TotalSteps))
		return
	}
	var who slackui.Person
	if err := workflow.ExecuteActivity(slackCtx(ctx, "Look up the clicker in Slack"), a.LookupSlackUser, c.UserID).Get(ctx, &who); err != nil {
		refuse("jitflow could not look you up in Slack, so nothing was done. Please try again.")
		return
	}
	rec.By = who
	switch {
	case who.Email == "":
		refuse("Your Slack profile shows no email, so jitflow cannot record who decided. Nothing was done.")
		return
	case strings.EqualFold(who.Email, r.issue.Requester):
		refuse("You requested this access, so someone else must decide. Nothing was done.")
		return
	}

	in := activities.DecideInput{Issue: r.ref, Step: c.Step, Approve: c.Decision == Approve, Comment: decisionComment(c.Decision, who)}
	var res activities.DecideResult
	summary := fmt.Sprintf("%s step %d in Bytebase for %s", verbTitle(c.Decision), c.Step, who.Email)
	if err := workflow.ExecuteActivity(bytebaseCtx(ctx, summary), a.Decide, in).Get(ctx, &res); err != nil {
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
		r.card.State, r.card.Decider, r.card.DecidedAt = slackui.StateDenied, &who, now
		r.publish(ctx)
		r.finish(ctx, StatusDenied, who)
		return
	}
	r.card.StepsApproved = append(r.card.StepsApproved, slackui.StepDecision{Step: c.Step, Role: r.card.StepRole, By: who, At: now})
	if after.AwaitingApproval() {
		r.advance(after)
		r.publish(ctx)
		return
	}
	r.card.State, r.card.Decider, r.card.DecidedAt = slackui.StateApproved, &who, now
	r.publish(ctx)
	r.finish(ctx, StatusApproved, who)
}

// reconcile re-reads the issue after a hint and reflects what changed in
// Bytebase. A failed read is not a decision: the request stays as it is.
func (r *request) reconcile(ctx workflow.Context) {
	is, err := r.readIssue(ctx)
	if err != nil {
		r.logger.Warn("Re-reading the issue failed; keeping the request as it is", "issue", r.ref.String(), "error", err)
		return
	}
	r.apply(ctx, is)
}

// apply brings the card in line with the issue as Bytebase now has it.
func (r *request) apply(ctx workflow.Context, is bytebase.Issue) {
	r.issue = is
	switch {
	case is.AwaitingApproval() && is.PendingStep() == r.card.Step:
		return // nothing changed that the card shows
	case is.AwaitingApproval():
		// Steps were approved in Bytebase itself: record them, show the new step.
		for step := r.card.Step; step < is.PendingStep(); step++ {
			r.card.StepsApproved = append(r.card.StepsApproved, slackui.StepDecision{
				Step: step, Role: bytebase.HumanizeRole(stepRole(is, step)), By: approverOf(is, step), At: is.UpdateTime,
			})
		}
		r.advance(is)
		r.publish(ctx)
	default:
		who := lastApprover(is)
		r.card.State, r.card.Decider, r.card.DecidedAt = slackui.StateDecidedInBytebase, &who, is.UpdateTime
		if is.Status == "CANCELED" {
			r.card.State = slackui.StateClosed
		}
		r.publish(ctx)
		r.finish(ctx, StatusDecidedInBytebase, who)
	}
}

// advance moves the card to the issue's pending step.
func (r *request) advance(is bytebase.Issue) {
	r.card.Step = is.PendingStep()
	r.card.TotalSteps = is.TotalSteps()
	r.card.StepRole = bytebase.HumanizeRole(is.PendingRole())
}

// fail shows a failure on the card and ends the request: a human must act.
func (r *request) fail(ctx workflow.Context, what string) {
	r.card.State, r.card.Failure = slackui.StateFailed, what
	r.publish(ctx)
	r.note = what
	r.finish(ctx, StatusFailed, slackui.Person{})
}

// publish edits the card in place and adds the transition to its thread.
// Slack failures here are logged: the decision itself is already recorded in
// Bytebase and in this workflow's history.
func (r *request) publish(ctx workflow.Context) {
	if r.posted == nil {
		return
	}
	ref := *r.posted
	card := r.card
	if err := workflow.ExecuteActivity(slackCtx(ctx, "Update the card: "+string(card.State)), a.UpdateCard, activities.UpdateCardInput{Ref: ref, Card: card}).Get(ctx, nil); err != nil {
		r.logger.Error("Updating the card failed", "issue", r.ref.String(), "error", err)
	}
	reply := activities.ThreadReplyInput{Ref: ref, Text: slackui.ThreadReply(card)}
	if err := workflow.ExecuteActivity(slackCtx(ctx, "Thread reply"), a.PostThreadReply, reply).Get(ctx, nil); err != nil {
		r.logger.Error("Posting the thread reply failed", "issue", r.ref.String(), "error", err)
	}
}

// notify answers a clicker privately; best effort, logged on failure.
func (r *request) notify(ctx workflow.Context, c Click, text string) {
	if c.Channel == "" {
		return
	}
	in := activities.NotifyInput{Channel: c.Channel, UserID: c.UserID, Text: text}
	if err := workflow.ExecuteActivity(slackCtx(ctx, "Tell the clicker"), a.NotifyUser, in).Get(ctx, nil); err != nil {
		r.logger.Warn("Telling the clicker failed", "issue", r.ref.String(), "user", c.UserID, "error", err)
	}
}

func (r *request) finish(ctx workflow.Context, s Status, decider slackui.Person) {
	r.result = Result{Status: s, Decider: decider, Note: r.note}
	r.setStatus(ctx, s)
	r.upsertDecision(ctx, decider)
}

func (r *request) readIssue(ctx workflow.Context) (bytebase.Issue, error) {
	var is bytebase.Issue
	err := workflow.ExecuteActivity(bytebaseCtx(ctx, "Read the issue from Bytebase"), a.GetIssue, r.ref).Get(ctx, &is)
	return is, err
}

func (r *request) snapshot() (State, error) {
	s := State{Status: r.status, Issue: r.issue, Card: r.card, Posted: r.posted, Note: r.note}
	s.Clicks = append(s.Clicks, r.clicks...)
	return s, nil
}

func handles(typ string) bool {
	for _, t := range handledTypes {
		if t == typ {
			return true
		}
	}
	return false
}

func drain(ch workflow.ReceiveChannel) {
	for ch.ReceiveAsync(nil) {
	}
}
