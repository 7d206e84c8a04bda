package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/internal/queues"
)

// Retry budgets. Bytebase calls are bounded by time, not attempts: an
// outage of several minutes must not use up a fixed number of tries. They
// back off from 1 s to 30 s for up to bytebaseBudget before the failure is
// final (shown on the card as failed; a pending card shows a ⚠️ line after
// troubleAfter meanwhile). Slack calls back off from 1 s to 1 min, a 429's
// Retry-After setting the next delay exactly, for slackAttempts (about 25
// minutes of 5xx): attempts, because the time a post waits in its paced
// queue must not count against it (a burst of 1,000 cards into one channel
// waits up to 17 minutes for its turn).
var (
	bytebaseRetry = &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    30 * time.Second,
		MaximumAttempts:    manyAttempts,
	}
	slackRetry = &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
		MaximumAttempts:    slackAttempts,
	}
)

const (
	bytebaseBudget = 10 * time.Minute
	// manyAttempts is more than bytebaseBudget allows, so the budget ends
	// the retries. (0, unlimited, would do on the server, but the SDK's test
	// environment turns 0 into 10 attempts.)
	manyAttempts  = 1000
	slackAttempts = 30
	// slackReadBudget bounds a local Slack read with its retries (a local
	// activity waits in no queue).
	slackReadBudget = 15 * time.Minute
)

// How long one attempt of a call may take.
const (
	bytebaseCallTimeout = 30 * time.Second
	slackCallTimeout    = 15 * time.Second
)

func bytebaseCtx(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    bytebaseCallTimeout,
		ScheduleToCloseTimeout: bytebaseBudget,
		RetryPolicy:            bytebaseRetry,
		Summary:                summary,
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
	// A local activity needs ScheduleToClose set, or its retries would stop
	// at its first StartToCloseTimeout.
	retry, timeout, budget := bytebaseRetry, bytebaseCallTimeout, bytebaseBudget
	if on == slackAPI {
		retry, timeout, budget = slackRetry, slackCallTimeout, slackReadBudget
	}
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    timeout,
		ScheduleToCloseTimeout: budget,
		RetryPolicy:            retry,
		Summary:                summary,
	}), fn, args...)
}
