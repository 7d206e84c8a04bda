// Package worker assembles the Temporal worker: real Bytebase and Slack
// clients behind the activities, and the approval workflow.
package worker

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/queues"
	"github.com/jitflow/jitflow/workflows"
)

// NewActivities builds the activities with clients for the configured
// Bytebase and Slack.
func NewActivities(cfg config.Config, logger *slog.Logger) *activities.Activities {
	httpClient := &http.Client{Timeout: 20 * time.Second}
	bb := bytebase.New(cfg.BytebaseURL, cfg.BytebaseServiceAccount, cfg.BytebaseServiceKey.Reveal(),
		bytebase.WithHTTPClient(httpClient), bytebase.WithLogger(logger))
	return &activities.Activities{
		Bytebase:       bb,
		Search:         bb,
		ServiceAccount: cfg.BytebaseServiceAccount,
		Slack:          NewSlack(cfg),
		Channel:        cfg.SlackChannel,
		Logger:         logger,
		Policy:         cfg.Policy,
		IssueTypes:     cfg.IssueTypes,
		Projects:       cfg.Projects,
		ReconcileEvery: cfg.ReconcileInterval,
		Authz:          cfg.Authz,
		Approvers:      cfg.Approvers,
	}
}

// NewSlack is the Slack Web API client for the configured workspace.
func NewSlack(cfg config.Config) *slack.Client {
	return slack.New(cfg.SlackBotToken.Reveal(),
		slack.OptionAPIURL(cfg.SlackAPIURL),
		slack.OptionHTTPClient(&http.Client{Timeout: 10 * time.Second}))
}

// stopTimeout gives in-flight activities (a poll, a card post) a moment to
// finish and report on a clean stop, instead of waiting out their timeouts
// later.
const stopTimeout = 5 * time.Second

// New registers the workflows and the activities on a worker for the task
// queue. The caller starts and stops it. Unless set, the poller's activity
// starts requests through c on this task queue.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	if acts.Requests == nil {
		acts.Requests = NewRequestStarter(c, taskQueue)
	}
	w := sdkworker.New(c, taskQueue, sdkworker.Options{WorkerStopTimeout: stopTimeout})
	w.RegisterWorkflowWithOptions(workflows.ApprovalWorkflow, workflow.RegisterOptions{Name: workflows.ApprovalWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.PollerWorkflow, workflow.RegisterOptions{Name: workflows.PollerWorkflowName})
	w.RegisterActivity(acts)
	return w
}

// NewLeaseWorker runs the Slack lease's workflow on its own task queue (see
// queues.LeaseQueue). Every worker process runs one, so the lease lives on
// as long as any worker does.
func NewLeaseWorker(c client.Client, base string) sdkworker.Worker {
	w := sdkworker.New(c, queues.LeaseQueue(base), sdkworker.Options{WorkerStopTimeout: stopTimeout})
	w.RegisterWorkflowWithOptions(workflows.SlackLeaseWorkflow, workflow.RegisterOptions{Name: workflows.SlackLeaseWorkflowName})
	return w
}
