package worker

import (
	"fmt"
	"slices"
	"sync"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/queues"
)

// Activity rates of the Slack task queues. TaskQueueActivitiesPerSecond is
// enforced by the Temporal server for the whole queue, so these hold across
// every worker; all workers must use the same values (the last poller's
// setting wins). The server splits the rate over the queue's partitions
// (default 4), each letting a task or two through at once after a quiet
// spell: on a shared cluster, give the -slack- queues one partition
// (matching.numTaskqueueReadPartitions/WritePartitions) for an exact limit.
// Limits from Slack's rate tiers
// (https://api.slack.com/docs/rate-limits; shared/reference/slack.md):
const (
	// ChannelPostsPerSecond: chat.postMessage allows about one message per
	// second per channel.
	ChannelPostsPerSecond = 1.0
	// DMsPerSecond: a DM is users.lookupByEmail and conversations.open, both
	// tier 3 (~50/min per workspace), then chat.postMessage in a channel of
	// its own, so tier 3 is the bound.
	DMsPerSecond = 0.8
	// UpdatesPerSecond: chat.update is tier 3 (~50/min per workspace); 0.8/s
	// is 48/min.
	UpdatesPerSecond = 0.8
)

// slackQueue is one rate-limited Slack task queue.
type slackQueue struct {
	name      string
	perSecond float64
}

// slackQueues lists the Slack task queues for base: one per channel, one for
// DMs, one for card updates.
func slackQueues(base string, channels []string) []slackQueue {
	qs := make([]slackQueue, 0, len(channels)+2)
	for _, ch := range channels {
		qs = append(qs, slackQueue{queues.SlackQueue(base, ch), ChannelPostsPerSecond})
	}
	return append(qs,
		slackQueue{queues.DMQueue(base), DMsPerSecond},
		slackQueue{queues.UpdateQueue(base), UpdatesPerSecond})
}

// Channels lists every channel jitflow posts to: SLACK_CHANNEL and those the
// policy names, sorted and without duplicates.
func Channels(cfg config.Config) []string {
	chs := cfg.Policy.Channels()
	if cfg.SlackChannel != "" {
		chs = append(chs, cfg.SlackChannel)
	}
	slices.Sort(chs)
	return slices.Compact(chs)
}

// NewSlackWorkers returns one activity-only worker per Slack task queue for
// base (see slackQueues), each running acts at its queue's rate. The caller
// starts and stops them.
func NewSlackWorkers(c client.Client, base string, channels []string, acts *activities.Activities) []sdkworker.Worker {
	var ws []sdkworker.Worker
	for _, q := range slackQueues(base, channels) {
		w := sdkworker.New(c, q.name, sdkworker.Options{
			TaskQueueActivitiesPerSecond: q.perSecond,
			WorkerStopTimeout:            stopTimeout,
		})
		w.RegisterActivity(acts)
		ws = append(ws, w)
	}
	return ws
}

// NewAll returns every worker a jitflow worker process runs: the main one
// (workflows and all activities) and the Slack queue workers. A configured
// sticky cache size applies to the whole process (an SDK-wide setting), so
// it is set before any worker exists.
func NewAll(c client.Client, cfg config.Config, acts *activities.Activities) []sdkworker.Worker {
	if cfg.WorkerCacheSize > 0 {
		sdkworker.SetStickyWorkflowCacheSize(cfg.WorkerCacheSize)
	}
	return append([]sdkworker.Worker{New(c, cfg.TaskQueue, acts)},
		NewSlackWorkers(c, cfg.TaskQueue, Channels(cfg), acts)...)
}

// StartAll starts ws. On failure it stops those already started. stop stops
// them all at once, so their stop timeouts overlap instead of adding up.
func StartAll(ws []sdkworker.Worker) (stop func(), err error) {
	stopAll := func(ws []sdkworker.Worker) {
		var wg sync.WaitGroup
		for _, w := range ws {
			wg.Go(w.Stop)
		}
		wg.Wait()
	}
	for i, w := range ws {
		if err := w.Start(); err != nil {
			stopAll(ws[:i])
			return nil, fmt.Errorf("start worker %d of %d: %w", i+1, len(ws), err)
		}
	}
	return func() { stopAll(ws) }, nil
}
