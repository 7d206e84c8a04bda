package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/metrics"
	"github.com/jitflow/jitflow/internal/slackui"
)

// publish edits the card in place and adds the transition to its thread, so
// the thread reads as the request's audit trail.
func (r *request) publish(ctx workflow.Context) {
	r.updateCard(ctx)
	r.threadReply(ctx, slackui.ThreadReply(r.card))
	r.setDetails(ctx)
}

// updateCard edits the card, coalesced (see cardUpdates). Slack failures are
// logged, not fatal: the decision itself is in Bytebase and in this
// workflow's history.
func (r *request) updateCard(ctx workflow.Context) { r.queueCardUpdate(ctx) }

// cardLabel names a card's state for activity summaries.
func cardLabel(c slackui.Card) string {
	switch {
	case c.State != slackui.StatePending:
		return string(c.State)
	case !c.EscalatedAt.IsZero():
		return "escalated"
	case !c.RemindedAt.IsZero():
		return "reminded"
	default:
		return fmt.Sprintf("pending step %d of %d", c.Step, c.TotalSteps)
	}
}

// threadReply adds a line to the card's thread, after those before it.
// Slack failures are logged: the thread is the human-readable copy of what
// the workflow's history records.
func (r *request) threadReply(ctx workflow.Context, text string) {
	if r.posted == nil {
		return
	}
	in := activities.ThreadReplyInput{Ref: *r.posted, Text: text, Key: r.replyKey(ctx)}
	r.send(ctx, &r.thread, oneCall(func(ctx workflow.Context) workflow.Future { return r.startReply(ctx, in) }, r.replyFailed))
}

// replyKey names the next thread reply uniquely within the workflow ID, so a
// retried post finds the reply Slack already accepted instead of posting it
// again. The run ID keeps keys apart across continue-as-new.
func (r *request) replyKey(ctx workflow.Context) string {
	r.replies++
	return fmt.Sprintf("%s/%d", workflow.GetInfo(ctx).WorkflowExecution.RunID, r.replies)
}

// startReply starts posting one thread reply.
func (r *request) startReply(ctx workflow.Context, in activities.ThreadReplyInput) workflow.Future {
	return workflow.ExecuteActivity(slackPostCtx(ctx, in.Ref.Channel, "Thread reply"), a.PostThreadReply, in)
}

func (r *request) replyFailed(err error) {
	r.logger.Error("Posting the thread reply failed", "error", err)
}

// notify answers a clicker privately; best effort, logged on failure.
func (r *request) notify(ctx workflow.Context, c Click, text string) {
	if c.Channel == "" {
		return
	}
	in := activities.NotifyInput{Channel: c.Channel, UserID: c.UserID, Text: text}
	r.send(ctx, &r.answers, oneCall(func(ctx workflow.Context) workflow.Future {
		return workflow.ExecuteActivity(slackCtx(ctx, "Tell the clicker"), a.NotifyUser, in)
	}, func(err error) {
		r.logger.Warn("Telling the clicker failed", "user", in.UserID, "error", err)
	}))
}

// dmRequester tells the requester where their request stands.
func (r *request) dmRequester(ctx workflow.Context, text string) {
	r.send(ctx, &r.dms, oneCall(func(ctx workflow.Context) workflow.Future { return r.startDM(ctx, text) }, r.dmFailed))
}

// startDM starts sending a DM to the requester; skipped (by the activity)
// when they have no Slack account.
func (r *request) startDM(ctx workflow.Context, text string) workflow.Future {
	in := activities.DMInput{Email: r.issue.Requester, Text: text}
	return workflow.ExecuteActivity(slackDMCtx(ctx, "Tell the requester"), a.DM, in)
}

func (r *request) dmFailed(err error) { r.logger.Warn("Messaging the requester failed", "error", err) }

// withApprovers is a message whose call needs the people who can approve
// is's pending step, for mentions: it looks them up first, and goes on
// without them when they can't be found.
func (r *request) withApprovers(is bytebase.Issue, start func(workflow.Context, []slackui.Person) workflow.Future, failed func(error)) message {
	return message{stages: []stage{
		func(ctx workflow.Context, _ workflow.Future) workflow.Future { return r.findApprovers(ctx, is) },
		func(ctx workflow.Context, found workflow.Future) workflow.Future {
			return start(ctx, r.approversFound(ctx, found))
		},
	}, failed: failed}
}

// stepApprovers are the people who can approve the issue's pending step,
// for mentions; empty when they can't be found (the request goes on).
func (r *request) stepApprovers(ctx workflow.Context, is bytebase.Issue) []slackui.Person {
	return r.approversFound(ctx, r.findApprovers(ctx, is))
}

func (r *request) findApprovers(ctx workflow.Context, is bytebase.Issue) workflow.Future {
	return r.read(ctx, bytebaseAPI, "Find who can approve step "+fmt.Sprint(is.PendingStep()), a.StepApprovers, is)
}

func (r *request) approversFound(ctx workflow.Context, f workflow.Future) []slackui.Person {
	var people []slackui.Person
	if err := f.Get(ctx, &people); err != nil {
		r.logger.Warn("Finding the step's approvers failed", "error", err)
	}
	return people
}

// setDetails keeps the Temporal UI's "current details" saying what the
// request waits for and what happens next.
func (r *request) setDetails(ctx workflow.Context) {
	var b strings.Builder
	// The static summary may predate reading the issue; this line always
	// says what the request is.
	b.WriteString(r.issue.Summary() + ".\n")
	switch r.card.State {
	case slackui.StatePending:
		fmt.Fprintf(&b, "Waiting for step %d of %d (%s) since %s.", r.card.Step, r.card.TotalSteps, r.card.StepRole, r.card.StepSince.UTC().Format("2006-01-02 15:04 MST"))
		t := r.timers
		for _, next := range []struct {
			at   string
			what string
			ok   bool
		}{
			{t.RemindAt.UTC().Format("15:04 MST"), "reminder", !t.RemindAt.IsZero()},
			{t.EscalateAt.UTC().Format("15:04 MST"), "escalation", !t.EscalateAt.IsZero()},
			{t.ExpireAt.UTC().Format("2006-01-02 15:04 MST"), "automatic denial", !t.ExpireAt.IsZero()},
		} {
			if next.ok {
				fmt.Fprintf(&b, " Next: %s at %s.", next.what, next.at)
				break
			}
		}
	default:
		fmt.Fprintf(&b, "Closed: %s.", cardLabel(r.card))
		if d := r.card.Decider; d != nil && d.Email != "" {
			fmt.Fprintf(&b, " By %s.", d.Email)
		}
	}
	workflow.SetCurrentDetails(ctx, b.String())
}

func (r *request) finish(ctx workflow.Context, s Status, decider slackui.Person) {
	r.result = Result{Status: s, Decider: decider, Note: r.note}
	r.setStatus(ctx, s)
	r.upsertDecision(ctx, decider)
	if r.posted != nil {
		// From the request in Bytebase to its outcome (replay-safe handler).
		metrics.RecordDecision(workflow.GetMetricsHandler(ctx), string(s), r.card.RequestedAt, workflow.Now(ctx))
	}
	r.setDetails(ctx)
}
