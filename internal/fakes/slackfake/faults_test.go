package slackfake

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestFailNext(t *testing.T) {
	f, api := newFake(t)
	f.FailNext("chat.postMessage", 2, "internal_error")
	for range 2 {
		_, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false))
		wantSlackError(t, err, "internal_error")
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false)); err != nil {
		t.Fatal(err)
	}
	if f.CallCount("chat.postMessage") != 3 || len(f.Messages("C1")) != 1 {
		t.Errorf("calls %d, messages %d", f.CallCount("chat.postMessage"), len(f.Messages("C1")))
	}
	if _, err := api.AuthTest(); err != nil {
		t.Errorf("faults leaked to another method: %v", err)
	}
}

func TestRateLimitNext(t *testing.T) {
	f, api := newFake(t)
	f.RateLimitNext("chat.update", 1, 3*time.Second)
	_, ts, _ := api.PostMessage("C1", slack.MsgOptionText("x", false))
	_, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionText("y", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Fatalf("err = %v, want a rate limit with Retry-After 3s", err)
	}
	if m, _ := f.Message("C1", ts); m.Updates != 0 {
		t.Error("a rate-limited update was applied")
	}
	if _, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionText("y", false)); err != nil {
		t.Errorf("after the rate limit: %v", err)
	}
}

func TestLatency(t *testing.T) {
	f, api := newFake(t)
	f.SetLatency(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := api.AuthTestContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
	f.SetLatency(0)
	if _, err := api.AuthTest(); err != nil {
		t.Error(err)
	}
}

func TestConcurrentPosts(t *testing.T) {
	f, api := newFake(t)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, m := range f.Messages("C1") {
		if seen[m.TS] {
			t.Errorf("duplicate ts %s", m.TS)
		}
		seen[m.TS] = true
	}
	if len(seen) != 20 {
		t.Errorf("%d messages", len(seen))
	}
}

func TestAcceptThenStallNext(t *testing.T) {
	f, api := newFake(t)
	f.AcceptThenStallNext("chat.postMessage", 1, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the client's deadline", err)
	}
	if n := len(f.Messages("C1")); n != 1 {
		t.Fatalf("%d messages: the stalled call must have been posted", n)
	}
	// A short hold answers normally once it is over.
	f.AcceptThenStallNext("chat.postMessage", 1, 10*time.Millisecond)
	if _, ts, err := api.PostMessage("C1", slack.MsgOptionText("y", false)); err != nil || ts == "" {
		t.Fatalf("held post: ts %q, %v", ts, err)
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("z", false)); err != nil {
		t.Fatalf("after the stall: %v", err)
	}
	if n := len(f.Messages("C1")); n != 3 {
		t.Errorf("%d messages, want 3", n)
	}
}

func TestClockTimestamps(t *testing.T) {
	now := time.Unix(1800000000, 250000*1000)
	f := New(Options{BotToken: token, Clock: func() time.Time { return now }})
	t.Cleanup(f.Close)
	api := slack.New(token, slack.OptionAPIURL(f.URL()))
	var got []string
	for range 2 {
		_, ts, err := api.PostMessage("C1", slack.MsgOptionText("x", false))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ts)
	}
	// The clock stands still: timestamps still differ and increase.
	if got[0] != "1800000000.250000" || got[1] != "1800000000.250001" {
		t.Errorf("timestamps = %v", got)
	}
}
