package worker

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/devserver"
	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/policy"
	"github.com/jitflow/jitflow/internal/queues"
	"github.com/jitflow/jitflow/internal/slackui"
)

func TestChannelsAndQueues(t *testing.T) {
	p, err := policy.Parse("p.yaml", []byte("defaults: {channel: C0B, escalate_to: {channel: C0ONCALL}}\nprojects:\n  x: {channel: C0A}\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{SlackChannel: "C0B", Policy: p}
	chs := Channels(cfg)
	if want := []string{"C0A", "C0B", "C0ONCALL"}; !slices.Equal(chs, want) {
		t.Fatalf("channels = %v, want %v", chs, want)
	}
	if got := Channels(config.Config{SlackChannel: "C0ONLY"}); !slices.Equal(got, []string{"C0ONLY"}) {
		t.Errorf("without a policy: %v", got)
	}
	want := []slackQueue{
		{"jit-slack-C0A", ChannelPostsPerSecond},
		{"jit-slack-C0B", ChannelPostsPerSecond},
		{"jit-slack-C0ONCALL", ChannelPostsPerSecond},
		{"jit-slack-dm", DMsPerSecond},
		{"jit-slack-update", UpdatesPerSecond},
	}
	if got := slackQueues("jit", chs); !slices.Equal(got, want) {
		t.Errorf("queues = %v, want %v", got, want)
	}
}

const (
	testToken   = "xoxb-worker-test"
	testChannel = "C0RATE"
)

// postCards posts one card per workflow ID on queue, all at once, as a burst
// of requests would.
func postCards(ctx workflow.Context, queue string, ids []string) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           queue,
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumAttempts: 5},
	})
	var a *activities.Activities
	var fs []workflow.Future
	for _, id := range ids {
		fs = append(fs, workflow.ExecuteActivity(ctx, a.PostCard, slackui.Card{
			WorkflowID: id, Project: "p", IssueNumber: 1, Title: "t", Requester: "dev@example.com",
			Role: "SQL Editor User", Step: 1, TotalSteps: 1, StepRole: "Workspace DBA",
			State: slackui.StatePending, Link: "https://bb.example.com/projects/p/issues/1",
		}))
	}
	for _, f := range fs {
		if err := f.Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// temporalEnv is an in-memory Temporal server, a client, a fake Slack and
// the activities wired to it.
type temporalEnv struct {
	c     client.Client
	slack *slackfake.Server
	acts  *activities.Activities
}

func newTemporalEnv(t *testing.T, opts devserver.Options) *temporalEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx := context.Background()
	opts.Logger = slog.New(slog.DiscardHandler)
	srv, err := devserver.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	c, err := client.DialContext(ctx, client.Options{HostPort: srv.Address(), Namespace: srv.Namespace(),
		Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	sl := slackfake.New(slackfake.Options{BotToken: testToken, Clock: time.Now})
	t.Cleanup(sl.Close)
	return &temporalEnv{c: c, slack: sl, acts: &activities.Activities{
		Slack:   slack.New(testToken, slack.OptionAPIURL(sl.URL())),
		Channel: testChannel,
		Logger:  slog.New(slog.DiscardHandler),
	}}
}

// start starts ws and stops them when the test ends.
func start(t *testing.T, ws ...sdkworker.Worker) {
	t.Helper()
	stop, err := StartAll(ws)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
}

// run runs postCards on the workflow queue tq and waits for it.
func (e *temporalEnv) run(t *testing.T, tq, activityQueue string, ids []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := e.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: tq}, postCards, activityQueue, ids)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// postTimes are the times the fake received chat.postMessage calls.
func (e *temporalEnv) postTimes() []time.Time {
	var out []time.Time
	for _, c := range e.slack.Calls() {
		if c.Method == "chat.postMessage" {
			out = append(out, c.Time)
		}
	}
	return out
}

func newWorkflowWorker(c client.Client, tq string) sdkworker.Worker {
	w := sdkworker.New(c, tq, sdkworker.Options{})
	w.RegisterWorkflow(postCards)
	return w
}

// TestChannelQueueRateHoldsAcrossWorkers posts a burst of cards through a
// channel queue polled by two workers, as two worker processes would, and
// checks that Slack saw them no faster than the queue's rate: the server
// enforces it for the queue as a whole. One partition makes the limit exact
// (with the default four, each partition gets a quarter of the rate and a
// burst of one, so up to four posts can leave together after a quiet spell).
func TestChannelQueueRateHoldsAcrossWorkers(t *testing.T) {
	e := newTemporalEnv(t, devserver.Options{TaskQueuePartitions: 1})
	const tq = "rate-test"
	ws := append(NewSlackWorkers(e.c, tq, []string{testChannel}, e.acts),
		NewSlackWorkers(e.c, tq, []string{testChannel}, e.acts)...)
	start(t, append(ws, newWorkflowWorker(e.c, tq))...)

	const n = 4
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "jit/p/" + string(rune('a'+i))
	}
	e.run(t, tq, queues.SlackQueue(tq, testChannel), ids)

	times := e.postTimes()
	if len(times) != n || len(e.slack.Messages(testChannel)) != n {
		t.Fatalf("%d posts, %d messages, want %d", len(times), len(e.slack.Messages(testChannel)), n)
	}
	// The server lets two tasks through at once from a full bucket, then one
	// per 1/r. 10% slack covers the jitter between the server's dispatch and
	// the call reaching the fake.
	interval := time.Duration(float64(time.Second) / ChannelPostsPerSecond)
	tolerance := interval / 10
	elapsed := times[n-1].Sub(times[0])
	floor := time.Duration(n-2)*interval - tolerance
	gs := gaps(times)
	t.Logf("%d posts at %.1f/s took %s (first to last); floor %s; gaps %v", n, ChannelPostsPerSecond, elapsed, floor, gs)
	if elapsed < floor {
		t.Errorf("%d posts took %s, faster than %.1f/s allows", n, elapsed, ChannelPostsPerSecond)
	}
	short := 0
	for _, g := range gs {
		if g < interval-tolerance {
			short++
		}
	}
	if short > 1 {
		t.Errorf("%d gaps shorter than %s: more than one burst", short, interval)
	}
}

// TestRetryAfterDelaysTheNextAttempt: a 429 with Retry-After 3s makes the
// next attempt wait at least 3 s, though the retry policy's own interval is
// 100 ms.
func TestRetryAfterDelaysTheNextAttempt(t *testing.T) {
	e := newTemporalEnv(t, devserver.Options{})
	const tq = "retry-after-test"
	acts := sdkworker.New(e.c, tq+"-acts", sdkworker.Options{})
	acts.RegisterActivity(e.acts)
	start(t, acts, newWorkflowWorker(e.c, tq))

	e.slack.RateLimitNext("chat.postMessage", 1, 3*time.Second)
	e.run(t, tq, tq+"-acts", []string{"jit/p/1"})

	times := e.postTimes()
	if len(times) != 2 || len(e.slack.Messages(testChannel)) != 1 {
		t.Fatalf("%d posts, %d cards; want 2 posts (429, then success) and 1 card", len(times), len(e.slack.Messages(testChannel)))
	}
	wait := times[1].Sub(times[0])
	t.Logf("next attempt after a 429 with Retry-After 3s came %s later", wait)
	if wait < 3*time.Second {
		t.Errorf("next attempt after %s, want ≥ 3s (Retry-After)", wait)
	}
}

func gaps(ts []time.Time) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(ts); i++ {
		out = append(out, ts[i].Sub(ts[i-1]).Round(time.Millisecond))
	}
	return out
}
