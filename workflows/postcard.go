package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
)

// firstTaskStarted is the event ID of a run's first WorkflowTaskStarted
// when nothing came before it but WorkflowExecutionStarted and
// WorkflowTaskScheduled; each signal that arrived before the task (the
// poller's SignalWithStart, a hint racing the start) adds one. A workflow
// task that starts at any other event may be the retry of one that ran the
// card fast path and was lost (a worker killed mid-task leaves no record of
// its local activities; a retry starts after WorkflowTaskTimedOut or
// …Failed and a new WorkflowTaskScheduled), so it must look for the card
// before posting it.
const firstTaskStarted = 3

// inFirstTask reports whether the workflow runs its first workflow task's
// first attempt. signalsBefore is how many signals the run had received
// when it began (they all came before that task started).
func inFirstTask(ctx workflow.Context, signalsBefore int) bool {
	return workflow.GetInfo(ctx).GetCurrentHistoryLength() == firstTaskStarted+signalsBefore
}

// postCard posts the card once. In the run's first workflow task the card
// fast path (PostCardNow, a local activity) posts it at once when this
// worker holds the Slack lease and the channel has a turn free: no task
// queue, no second workflow task. Otherwise the card waits its turn in the
// channel's queue (PostCardOnce), which looks for an earlier card first
// whenever the fast path may have posted one: it failed, or this is not the
// first workflow task. Requests recorded before the card fast path post
// through the queue with PostCard.
func (r *request) postCard(ctx workflow.Context) (activities.CardRef, error) {
	var ref activities.CardRef
	queued := slackPostCtx(ctx, r.card.Channel, "Post the request card")
	if !r.localCard {
		err := workflow.ExecuteActivity(queued, a.PostCard, r.card).Get(ctx, &ref)
		return ref, err
	}
	lookFirst := true
	if inFirstTask(ctx, r.signalsAtStart) {
		var fp activities.FastPost
		err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout: slackCallTimeout,
			RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1}, // the queue retries
			Summary:             "Post the request card now",
		}), a.PostCardNow, r.card).Get(ctx, &fp)
		if err == nil && fp.Posted {
			return fp.Ref, nil
		}
		if err != nil {
			r.logger.Warn("Posting the card at once failed; it goes through the channel's queue", "error", err)
		}
		lookFirst = err != nil // a refusal posted nothing; a failure may have
	}
	in := activities.PostCardInput{Card: r.card, LookFirst: lookFirst, Since: workflow.GetInfo(ctx).WorkflowStartTime}
	err := workflow.ExecuteActivity(queued, a.PostCardOnce, in).Get(ctx, &ref)
	return ref, err
}
