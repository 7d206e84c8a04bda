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

func bytebaseCtx(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
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
		StartToCloseTimeout: 15 * time.Second,
		RetryPolicy:         slackRetry,
		Summary:             summary,
	})
}
