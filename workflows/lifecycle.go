package workflows

import (
	"fmt"
	"hash/fnv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/policy"
	"github.com/jitflow/jitflow/internal/slackui"
)

// timers are the request's durable clocks. Deadlines are absolute times, so
// they survive continue-as-new unchanged; each pending one has a labelled
// Temporal timer, so the UI's timeline reads as the request's story.
type timers struct {
	RemindAt   time.Time `json:"remindAt,omitzero"`
	EscalateAt time.Time `json:"escalateAt,omitzero"`
	ExpireAt   time.Time `json:"expireAt,omitzero"`
	Reconciles int       `json:"reconciles"` // count, for the jitter

	remind, escalate, expire, reconcile workflow.Future
	stepCtx                             workflow.Context
	cancelStep                          workflow.CancelFunc
}

// start sets the request's clocks when its card is posted.
func (t *timers) start(ctx workflow.Context, r *request, now time.Time) {
	if d := r.policy.ExpireAfter; d > 0 {
		t.ExpireAt = now.Add(d)
	}
	t.restartStep(ctx, r, now)
}

// restartStep sets the reminder and escalation deadlines for a newly
// pending step and cancels the previous step's timers.
func (t *timers) restartStep(_ workflow.Context, r *request, now time.Time) {
	t.RemindAt, t.EscalateAt = time.Time{}, time.Time{}
	if d := r.policy.RemindAfter; d > 0 {
		t.RemindAt = now.Add(d)
	}
	if d := r.policy.EscalateAfter; d > 0 {
		t.EscalateAt = now.Add(d)
	}
	r.card.StepSince, r.card.EscalatesAt, r.card.ExpiresAt = now, t.EscalateAt, t.ExpireAt
	if t.cancelStep != nil {
		t.cancelStep()
		t.cancelStep, t.remind, t.escalate = nil, nil, nil
	}
}

// arm creates a Temporal timer for each deadline that has none yet. The
// step's timers share a context so that advancing a step cancels them.
func (t *timers) arm(ctx workflow.Context, r *request) {
	now := workflow.Now(ctx)
	if t.cancelStep == nil {
		t.stepCtx, t.cancelStep = workflow.WithCancel(ctx)
	}
	if t.remind == nil && !t.RemindAt.IsZero() {
		t.remind = timer(t.stepCtx, t.RemindAt.Sub(now), fmt.Sprintf("Remind the approvers of step %d", r.card.Step))
	}
	if t.escalate == nil && !t.EscalateAt.IsZero() {
		t.escalate = timer(t.stepCtx, t.EscalateAt.Sub(now), fmt.Sprintf("Escalate step %d to on-call", r.card.Step))
	}
	if t.expire == nil && !t.ExpireAt.IsZero() {
		t.expire = timer(ctx, t.ExpireAt.Sub(now), "Expire: deny automatically")
	}
	if t.reconcile == nil && r.policy.ReconcileEvery > 0 {
		t.reconcile = timer(ctx, t.jittered(r), "Re-read the issue for decisions made in Bytebase")
	}
}

// jittered spreads re-reads of many requests over up to a tenth of the
// interval, deterministically (a hash of the workflow ID and the count).
func (t *timers) jittered(r *request) time.Duration {
	every := r.policy.ReconcileEvery
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", r.id, t.Reconciles)
	return every + time.Duration(h.Sum64()%uint64(every/10+1))
}

func timer(ctx workflow.Context, d time.Duration, summary string) workflow.Future {
	return workflow.NewTimerWithOptions(ctx, max(d, time.Millisecond), workflow.TimerOptions{Summary: summary})
}

// addTo lets the selector wake on whichever deadline comes first.
func (t *timers) addTo(ctx workflow.Context, sel workflow.Selector, r *request) {
	t.arm(ctx, r)
	on := func(f *workflow.Future, fire func(workflow.Context)) {
		if *f == nil {
			return
		}
		sel.AddFuture(*f, func(workflow.Future) {
			*f = nil
			fire(ctx)
		})
	}
	on(&t.remind, r.remind)
	on(&t.escalate, r.escalate)
	on(&t.expire, r.expire)
	on(&t.reconcile, func(ctx workflow.Context) {
		t.Reconciles++
		r.reconcile(ctx)
	})
}

// remind mentions the step's approvers in the card's thread.
func (r *request) remind(ctx workflow.Context) {
	r.timers.RemindAt = time.Time{}
	if !r.fast {
		approvers := r.stepApprovers(ctx, r.issue)
		r.card.RemindedAt = workflow.Now(ctx)
		r.updateCard(ctx)
		r.threadReply(ctx, slackui.ReminderReply(r.card, approvers))
		r.setDetails(ctx)
		return
	}
	// The approvers are looked up by the thread's sender, so the request
	// need not wait for Bytebase and Slack to answer.
	r.card.RemindedAt = workflow.Now(ctx)
	r.updateCard(ctx)
	r.setDetails(ctx)
	if r.posted == nil {
		return
	}
	reminded, ref, key := r.card, *r.posted, r.replyKey(ctx)
	r.send(ctx, &r.thread, r.withApprovers(r.issue, func(ctx workflow.Context, approvers []slackui.Person) workflow.Future {
		return r.startReply(ctx, activities.ThreadReplyInput{Ref: ref, Text: slackui.ReminderReply(reminded, approvers), Key: key})
	}, r.replyFailed))
}

// escalate tells on-call: a post in the escalation channel mentioning the
// group and users, a thread reply, and the card shows it.
func (r *request) escalate(ctx workflow.Context) {
	r.timers.EscalateAt = time.Time{}
	esc := r.policy.EscalateTo
	r.card.EscalatedAt, r.card.EscalatesAt = workflow.Now(ctx), time.Time{}
	r.card.EscalatedTo = slackui.Escalation{Channel: esc.Channel, UsergroupID: r.policy.UsergroupID, UsergroupHandle: esc.Usergroup, Users: esc.Users}
	if esc.Channel != "" {
		escalated := r.card
		r.send(ctx, &r.thread, oneCall(func(ctx workflow.Context) workflow.Future {
			return workflow.ExecuteActivity(slackPostCtx(ctx, esc.Channel, "Escalate to on-call"), a.Escalate, escalated)
		}, func(err error) {
			r.logger.Error("Posting the escalation failed", "error", err)
		}))
	}
	r.updateCard(ctx)
	r.threadReply(ctx, slackui.EscalationReply(r.card))
	r.setDetails(ctx)
}

// expire denies the request automatically: reject in Bytebase (and cancel
// the issue when the policy says so), unless Bytebase already moved on.
func (r *request) expire(ctx workflow.Context) {
	r.timers.ExpireAt = time.Time{}
	note := fmt.Sprintf("No decision within %s; denied automatically", humanDuration(r.policy.ExpireAfter))
	in := activities.DecideInput{Issue: r.ref, Step: r.card.Step, Comment: note + " by jitflow."}
	var res activities.DecideResult
	decide := workflow.ExecuteActivity(bytebaseCtx(ctx, "Reject in Bytebase: expired"), a.Decide, in)
	if err := r.awaitBytebase(ctx, decide, "denying the expired request", &res); err != nil {
		r.fail(ctx, fmt.Sprintf("Could not deny the expired request in Bytebase: %s", rootMessage(err)))
		return
	}
	if res.Outcome == activities.NotPending {
		r.apply(ctx, res.Issue)
		return
	}
	r.issue = res.Issue
	if r.policy.OnExpire == policy.OnExpireRejectAndCancel {
		cancel := activities.CancelInput{Issue: r.ref, Reason: note + "."}
		if err := r.await(ctx, workflow.ExecuteActivity(bytebaseCtx(ctx, "Cancel the expired issue in Bytebase"), a.Cancel, cancel), nil); err != nil {
			r.card.Failure = "The request was rejected but could not be canceled in Bytebase: " + rootMessage(err)
		}
	}
	r.card.State, r.card.DecidedAt, r.card.ExpiryNote = slackui.StateExpired, workflow.Now(ctx), note
	r.publish(ctx)
	r.finish(ctx, StatusExpired, slackui.Person{})
	r.dmRequester(ctx, slackui.DMExpired(r.card))
}

// humanDuration prints 2h, 90m, 45s rather than 2h0m0s.
func humanDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	default:
		return d.String()
	}
}
