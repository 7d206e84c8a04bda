package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/internal/queues"
)

// Retry budgets. Bytebase calls back off from 1 s to 1 min over 8 attempts
// (about 3 minutes) before the failure is shown on the card; Slack calls get
// a little longer because a 429's Retry-After sets the next delay.
var (
	bytebaseRetry = &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
		MaximumAttempts:    8,
	}
	slackRetry = &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
		MaximumAttempts:    10,
	}
)

// How long one attempt of a call may take.
const (
	bytebaseCallTimeout = 30 * time.Second
	slackCallTimeout    = 15 * time.Second
)

func bytebaseCtx(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: bytebaseCallTimeout,
		RetryPolicy:         bytebaseRetry,
		Summary:             summary,
	})
}

func slackCtx(ctx workflow.Context, summary string) workflow.Context {
	return slackOn(ctx, "", summary)
}

// Slack calls that count against Slack's per-channel and per-method limits
// run on their own task queues, whose rate the server enforces across every
// worker (see internal/queues).

// slackPostCtx is for posts to channel (cards, thread replies, escalations).
func slackPostCtx(ctx workflow.Context, channel, summary string) workflow.Context {
	return slackOn(ctx, queues.SlackQueue(workflow.GetInfo(ctx).TaskQueueName, channel), summary)
}

// slackUpdateCtx is for chat.update.
func slackUpdateCtx(ctx workflow.Context, summary string) workflow.Context {
	return slackOn(ctx, queues.UpdateQueue(workflow.GetInfo(ctx).TaskQueueName), summary)
}

// slackDMCtx is for direct messages.
func slackDMCtx(ctx workflow.Context, summary string) workflow.Context {
	return slackOn(ctx, queues.DMQueue(workflow.GetInfo(ctx).TaskQueueName), summary)
}

func slackOn(ctx workflow.Context, taskQueue, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           taskQueue, // "" is the workflow's own
		StartToCloseTimeout: slackCallTimeout,
		RetryPolicy:         slackRetry,
		Summary:             summary,
	})
}

// api names whose retry budget a call gets.
type api int

const (
	bytebaseAPI api = iota
	slackAPI
)

// localBudget bounds a local activity with all its retries. The attempt
// limits of bytebaseRetry and slackRetry end them sooner; without it a local
// activity's retries would stop at its first StartToCloseTimeout.
const localBudget = 10 * time.Minute

// read runs a read-only call (the issue, the policy, someone in Slack,
// permissions in Bytebase). On the fast path it is a local activity: it runs
// in the worker that runs the workflow task, with no trip through a task
// queue, and is recorded as one marker. Reads are idempotent, so running one
// again after a worker crash is harmless. Requests recorded before the fast
// path scheduled them as regular activities, and still do.
func (r *request) read(ctx workflow.Context, on api, summary string, fn any, args ...any) workflow.Future {
	if !r.fast {
		if on == slackAPI {
			return workflow.ExecuteActivity(slackCtx(ctx, summary), fn, args...)
		}
		return workflow.ExecuteActivity(bytebaseCtx(ctx, summary), fn, args...)
	}
	retry, timeout := bytebaseRetry, bytebaseCallTimeout
	if on == slackAPI {
		retry, timeout = slackRetry, slackCallTimeout
	}
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    timeout,
		ScheduleToCloseTimeout: localBudget,
		RetryPolicy:            retry,
		Summary:                summary,
	}), fn, args...)
}
