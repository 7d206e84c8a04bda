package worker

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/queues"
	"github.com/jitflow/jitflow/internal/slackgov"
)

// Slack's rates, as jitflow keeps them. Posts to channels are paced in the
// process that holds the Slack lease (slackgov; the card fast path shares
// that pacer), which alone polls the channel queues. Every Slack queue also
// has TaskQueueActivitiesPerSecond, enforced by the Temporal server for the
// whole queue across every worker, so a backlog waits in Temporal; for DMs
// and card updates, polled by every worker, it is the governor. All workers
// must use the same values (the last poller's setting wins). The server
// splits the rate over the queue's partitions (default 4), each letting a
// task or two through at once after a quiet spell: on a shared cluster, give
// the -slack- queues one partition (matching.numTaskqueueReadPartitions and
// WritePartitions) for an exact limit. Limits from Slack's rate tiers
// (https://api.slack.com/docs/rate-limits; shared/reference/slack.md):
const (
	// ChannelPostsPerSecond: chat.postMessage allows about one message per
	// second per channel, "short bursts >1 allowed". ChannelBurst is the
	// burst jitflow uses: two posts at once after a quiet spell (a card and
	// its first thread reply), never more than one per second on average.
	// Temporal's queue limiter, in front of the same posts, lets two through
	// at once too.
	ChannelPostsPerSecond = 1.0
	ChannelBurst          = 2
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
	return append(channelQueues(base, channels), sharedQueues(base)...)
}

// channelQueues are the queues of posts to channels, polled only by the
// holder of the Slack lease (see slackLease): their posts also take turns
// from its in-process pacer, which the card fast path shares.
func channelQueues(base string, channels []string) []slackQueue {
	qs := make([]slackQueue, 0, len(channels))
	for _, ch := range channels {
		qs = append(qs, slackQueue{queues.SlackQueue(base, ch), ChannelPostsPerSecond})
	}
	return qs
}

// sharedQueues (DMs, card updates) are polled by every worker: the server's
// rate for the queue alone paces them.
func sharedQueues(base string) []slackQueue {
	return []slackQueue{
		{queues.DMQueue(base), DMsPerSecond},
		{queues.UpdateQueue(base), UpdatesPerSecond},
	}
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
	return newQueueWorkers(c, slackQueues(base, channels), acts)
}

func newQueueWorkers(c client.Client, qs []slackQueue, acts *activities.Activities) []sdkworker.Worker {
	var ws []sdkworker.Worker
	for _, q := range qs {
		w := sdkworker.New(c, q.name, sdkworker.Options{
			TaskQueueActivitiesPerSecond: q.perSecond,
			WorkerStopTimeout:            stopTimeout,
		})
		w.RegisterActivity(acts)
		ws = append(ws, w)
	}
	return ws
}

// Start starts everything a jitflow worker process runs: the main worker
// (workflows and all activities), the DM and card-update queue workers, the
// lease's workflow worker, and the keeper of the Slack lease, which runs the
// channel-queue workers while this process holds the lease and lets acts
// post cards at once (acts.Pacer).
// A configured sticky cache size applies to the whole process (an SDK-wide
// setting), so it is set before any worker exists. stop gives the lease up
// and stops every worker.
func Start(c client.Client, cfg config.Config, acts *activities.Activities) (stop func(), err error) {
	if cfg.WorkerCacheSize > 0 {
		sdkworker.SetStickyWorkflowCacheSize(cfg.WorkerCacheSize)
	}
	gov := slackgov.New(ChannelPostsPerSecond, ChannelBurst)
	acts.Pacer = gov
	stopShared, err := StartAll(append([]sdkworker.Worker{New(c, cfg.TaskQueue, acts), NewLeaseWorker(c, cfg.TaskQueue)},
		newQueueWorkers(c, sharedQueues(cfg.TaskQueue), acts)...))
	if err != nil {
		return nil, err
	}
	var stopChannels func()
	lease := &slackLease{
		c: c, taskQueue: cfg.TaskQueue, holder: holderName(), timing: DefaultLeaseTiming, gov: gov, logger: acts.Logger,
		gained: func() (err error) {
			stopChannels, err = StartAll(newQueueWorkers(c, channelQueues(cfg.TaskQueue, Channels(cfg)), acts))
			return err
		},
		lost: func() { stopChannels() },
	}
	if lease.logger == nil {
		lease.logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		lease.run(ctx)
	}()
	return func() {
		cancel()
		<-done // the lease is given up while the lease worker still runs its workflow
		stopShared()
	}, nil
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
