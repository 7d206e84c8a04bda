// Package workflows holds the durable logic of jitflow: one approval workflow
// per Bytebase issue. Workflow code does no I/O; it calls activities.
package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/slackui"
)

// a is only used to name activities; the worker registers the real struct.
var a *activities.Activities

const (
	// While Bytebase is still working out the approval flow (CHECKING), the
	// workflow looks again this often, this many times, before giving up.
	checkingInterval = 20 * time.Second
	checkingAttempts = 15
)

// request is the workflow's state. It lives only inside the workflow and is
// rebuilt by replay (or carried across continue-as-new); the "state" query
// exposes a copy.
type request struct {
	ref     bytebase.IssueRef
	id      string
	issue   bytebase.Issue
	policy  activities.RequestPolicy
	card    slackui.Card
	posted  *activities.CardRef
	status  Status
	clicks  []ClickRecord
	seen    map[string]bool // click IDs already handled: replays are no-ops
	note    string
	result  Result
	timers  timers
	updates cardUpdates
	// Outgoing Slack messages other than card edits (fast path).
	thread, dms, answers outbox
	replies              int  // thread replies keyed so far in this run (see replyKey)
	waits                int  // loop iterations in this run
	fast                 bool // changeFastPath applies to this run
	localCard            bool // and its version 2: the card fast path
	driven               bool // and its version 3: no goroutine waits for Slack (see outbox)
	signalsAtStart       int  // signals received before the run's first task (see inFirstTask)
	logger               log.Logger
}

// ApprovalWorkflow carries one Bytebase issue from "approval required" to an
// outcome: it posts the card, then waits for the first of a click, a change
// in Bytebase, a reminder, an escalation or the expiry, acts in Bytebase for
// the human who clicked, and keeps the card, its thread and the requester
// informed. Exactly one outcome is applied; later attempts are told what
// already happened.
func ApprovalWorkflow(ctx workflow.Context, in ApprovalInput) (Result, error) {
	r := &request{
		ref:    in.Issue,
		id:     workflow.GetInfo(ctx).WorkflowExecution.ID,
		status: StatusChecking,
		seen:   map[string]bool{},
		logger: log.With(workflow.GetLogger(ctx), "issue", in.Issue.String(), "workflow_id", workflow.GetInfo(ctx).WorkflowExecution.ID),
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, r.snapshot); err != nil {
		return Result{}, err
	}
	version := fastPathVersion(ctx)
	r.fast, r.localCard, r.driven = version >= 1, version >= 2, version >= 3
	clicks := workflow.GetSignalChannel(ctx, SignalClick)
	hints := workflow.GetSignalChannel(ctx, SignalHint)
	r.signalsAtStart = clicks.Len() + hints.Len()

	if in.Carried != nil {
		r.resume(ctx, in.Carried)
	} else if err := r.intake(ctx, in.Snapshot, hints); err != nil {
		r.setStatus(ctx, StatusFailed)
		return Result{Status: StatusFailed, Note: err.Error()}, err
	}
	for r.result.Status == "" {
		if r.shouldContinueAsNew(ctx, clicks, hints) {
			r.flushOutgoing(ctx)
			if clicks.Len() == 0 && hints.Len() == 0 { // none arrived while flushing
				return Result{}, workflow.NewContinueAsNewError(ctx, ApprovalWorkflowName, ApprovalInput{Issue: r.ref, Carried: r.carry()})
			}
		}
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
		r.timers.addTo(ctx, sel, r)
		r.addOutgoing(ctx, sel)
		sel.Select(ctx)
	}
	// Clicks that queued behind the outcome still get an answer, including
	// any that arrive while the last card edit is sent.
	for {
		r.flushOutgoing(ctx)
		var c Click
		if !clicks.ReceiveAsync(&c) {
			break
		}
		r.onClick(ctx, c)
	}
	return r.result, nil
}

// intake reads the issue (or takes the starter's fresh read of it) and, when
// it awaits a decision jitflow handles, posts the card. Anything else ends
// the workflow with StatusIgnored.
func (r *request) intake(ctx workflow.Context, snapshot *bytebase.Issue, hints workflow.ReceiveChannel) error {
	var is bytebase.Issue
	var err error
	if r.fast && snapshot != nil && snapshot.Ref == r.ref {
		is = *snapshot
	} else if is, err = r.readIssue(ctx); err != nil {
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

	if err := r.read(ctx, bytebaseAPI, "Resolve the policy for this request", a.RequestPolicy, is).Get(ctx, &r.policy); err != nil {
		return fmt.Errorf("resolve policy: %w", err)
	}
	if !r.policy.Handled || !is.AwaitingApproval() {
		r.note = r.policy.Why
		if r.note == "" {
			r.note = fmt.Sprintf("nothing to do: %s issue, status %s, approval %s", is.Type, is.Status, is.ApprovalStatus)
		}
		r.logger.Info("Issue not awaiting a jitflow decision", "reason", r.note)
		r.finish(ctx, StatusIgnored, slackui.Person{})
		return nil
	}

	now := workflow.Now(ctx)
	r.card = newCard(r.id, is, r.policy)
	r.lookupRequester(ctx)
	r.timers.start(ctx, r, now)
	r.setStatus(ctx, StatusPending)
	r.upsertIssueAttributes(ctx, is)
	ref, err := r.postCard(ctx)
	if err != nil {
		return fmt.Errorf("post card: %w", err)
	}
	r.posted = &ref
	r.card.Channel = ref.Channel
	posted := r.card
	r.send(ctx, &r.dms, r.withApprovers(r.issue, func(ctx workflow.Context, approvers []slackui.Person) workflow.Future {
		return r.startDM(ctx, slackui.DMPosted(posted, approvers))
	}, r.dmFailed))
	return nil
}

// lookupRequester finds the requester in Slack so the card can mention them;
// not finding them is fine.
func (r *request) lookupRequester(ctx workflow.Context) {
	var who slackui.Person
	if err := r.read(ctx, slackAPI, "Find the requester in Slack", a.FindSlackUser, r.issue.Requester).Get(ctx, &who); err != nil {
		r.logger.Warn("Looking up the requester in Slack failed", "error", err)
		return
	}
	r.card.RequesterSlack = who.SlackID
}

// reconcile re-reads the issue and reflects what changed in Bytebase. A
// failed read is not a decision: the request stays as it is, and the card
// says that it may not show decisions made in Bytebase until a read
// succeeds again.
func (r *request) reconcile(ctx workflow.Context) {
	is, err := r.readIssue(ctx)
	if err != nil {
		r.logger.Warn("Re-reading the issue failed; keeping the request as it is", "error", err)
		r.showTrouble(ctx, troubleRereading)
		return
	}
	r.clearTrouble(ctx, troubleRereading)
	r.apply(ctx, is)
}

// apply brings the request in line with the issue as Bytebase now has it.
func (r *request) apply(ctx workflow.Context, is bytebase.Issue) {
	r.issue = is
	switch {
	case is.AwaitingApproval() && is.PendingStep() == r.card.Step:
		return // nothing changed that the card shows
	case is.AwaitingApproval():
		// Steps were approved in Bytebase itself: record them, show the new step.
		for step := r.card.Step; step < is.PendingStep(); step++ {
			r.card.StepsApproved = append(r.card.StepsApproved, slackui.StepDecision{
				Step: step, Role: bytebase.HumanizeRole(is.StepRole(step)), By: approverOf(is, step), At: is.UpdateTime,
			})
		}
		r.advance(ctx, is)
		r.publish(ctx)
	default:
		who := lastApprover(is)
		r.card.State, r.card.Decider, r.card.DecidedAt = slackui.StateDecidedInBytebase, &who, is.UpdateTime
		r.card.DecidedInBytebase = bytebaseOutcome(is)
		if is.Status == "CANCELED" {
			r.card.State = slackui.StateClosed
		}
		r.publish(ctx)
		r.finish(ctx, StatusDecidedInBytebase, who)
		r.dmRequester(ctx, slackui.DMDecidedInBytebase(r.card))
	}
}

// advance moves the card to the issue's pending step and restarts the
// step's reminder and escalation clocks.
func (r *request) advance(ctx workflow.Context, is bytebase.Issue) {
	r.card.Step = is.PendingStep()
	r.card.TotalSteps = is.TotalSteps()
	r.card.StepRole = bytebase.HumanizeRole(is.PendingRole())
	r.card.RemindedAt, r.card.EscalatedAt = time.Time{}, time.Time{}
	r.timers.restartStep(ctx, r, workflow.Now(ctx))
}

// fail shows a failure on the card and ends the request: a human must act.
func (r *request) fail(ctx workflow.Context, what string) {
	r.card.State, r.card.Failure = slackui.StateFailed, what
	r.publish(ctx)
	r.note = what
	r.finish(ctx, StatusFailed, slackui.Person{})
}

func (r *request) readIssue(ctx workflow.Context) (bytebase.Issue, error) {
	var is bytebase.Issue
	err := r.await(ctx, r.read(ctx, bytebaseAPI, "Read the issue from Bytebase", a.GetIssue, r.ref), &is)
	return is, err
}

func (r *request) snapshot() (State, error) {
	s := State{Status: r.status, Issue: r.issue, Card: r.card, Posted: r.posted, Note: r.note}
	s.Clicks = append(s.Clicks, r.clicks...)
	return s, nil
}

func drain(ch workflow.ReceiveChannel) {
	for ch.ReceiveAsync(nil) {
	}
}
