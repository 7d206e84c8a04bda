package activities

import (
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackui"
)

// postCardWorkflow runs PostCard with retries, as the approval workflow
// does, so the activity sees real attempt numbers and scheduled times.
func postCardWorkflow(ctx workflow.Context, card slackui.Card) (CardRef, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
	var a *Activities
	var ref CardRef
	err := workflow.ExecuteActivity(ctx, a.PostCard, card).Get(ctx, &ref)
	return ref, err
}

// runPostCard posts card through Temporal's test environment against sl,
// with a Slack client that gives up after clientTimeout.
func runPostCard(t *testing.T, sl *slackfake.Server, card slackui.Card, clientTimeout time.Duration) CardRef {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(postCardWorkflow)
	env.RegisterActivity(&Activities{
		Slack:   slack.New(token, slack.OptionAPIURL(sl.URL()), slack.OptionHTTPClient(&http.Client{Timeout: clientTimeout})),
		Channel: "C0DBACCESS",
	})
	env.ExecuteWorkflow(postCardWorkflow, card)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("PostCard failed: %v", err)
	}
	var ref CardRef
	if err := env.GetWorkflowResult(&ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// newClockedSlack is a fake whose message timestamps follow the wall clock,
// as Slack's do, so PostCard's time-bounded lookup is exercised for real.
func newClockedSlack(t *testing.T) *slackfake.Server {
	t.Helper()
	sl := slackfake.New(slackfake.Options{BotToken: token, Clock: time.Now})
	t.Cleanup(sl.Close)
	return sl
}

func testCard(workflowID string) slackui.Card {
	return slackui.Card{WorkflowID: workflowID, Project: "p", IssueNumber: 1, Title: "t", Requester: "dev@example.com",
		Role: "SQL Editor User", Step: 1, TotalSteps: 1, StepRole: "Workspace DBA", State: slackui.StatePending,
		Link: "https://bb.example.com/projects/p/issues/1"}
}

func TestPostCardOnceWhenSlackAcceptedButTheClientTimedOut(t *testing.T) {
	sl := newClockedSlack(t)
	// Another request's card in the same channel must not be taken for ours.
	other := runPostCard(t, sl, testCard("jit/p/2"), 5*time.Second)

	// Slack posts the card, then the answer never arrives in time.
	sl.AcceptThenStallNext("chat.postMessage", 1, time.Minute)
	ref := runPostCard(t, sl, testCard("jit/p/1"), 300*time.Millisecond)

	msgs := sl.Messages("C0DBACCESS")
	if len(msgs) != 2 {
		t.Fatalf("%d messages in the channel, want 2 (one card each)", len(msgs))
	}
	if ref.Channel != "C0DBACCESS" || ref.TS != msgs[1].TS || ref.TS == other.TS {
		t.Errorf("retry returned %+v, want the card the timed-out attempt posted (%s)", ref, msgs[1].TS)
	}
	if n := sl.CallCount("chat.postMessage"); n != 2 {
		t.Errorf("chat.postMessage called %d times, want 2: the retry must not post again", n)
	}
	var lookups []slackfake.Call
	for _, c := range sl.Calls() {
		if c.Method == "conversations.history" {
			lookups = append(lookups, c)
		}
	}
	if len(lookups) != 1 {
		t.Fatalf("conversations.history called %d times, want once (by the retry only)", len(lookups))
	}
	p := lookups[0].Params
	if p["channel"] != "C0DBACCESS" || p["include_all_metadata"] != "1" || p["oldest"] == "" || p["oldest"] >= msgs[1].TS {
		t.Errorf("lookup params = %v, want the channel, metadata, and an oldest bound before the card", p)
	}
}

func TestPostCardFirstAttemptDoesNotLookUp(t *testing.T) {
	sl := newClockedSlack(t)
	runPostCard(t, sl, testCard("jit/p/1"), 5*time.Second)
	if n := sl.CallCount("conversations.history"); n != 0 {
		t.Errorf("the first attempt called conversations.history %d times", n)
	}
	if n := len(sl.Messages("C0DBACCESS")); n != 1 {
		t.Errorf("%d cards", n)
	}
}

func TestPostCardRetryPostsWhenNothingWasPosted(t *testing.T) {
	sl := newClockedSlack(t)
	sl.FailNext("chat.postMessage", 1, "internal_error")
	ref := runPostCard(t, sl, testCard("jit/p/1"), 5*time.Second)
	msgs := sl.Messages("C0DBACCESS")
	if len(msgs) != 1 || ref.TS != msgs[0].TS {
		t.Fatalf("cards %d, ref %+v", len(msgs), ref)
	}
	if n := sl.CallCount("conversations.history"); n != 1 {
		t.Errorf("conversations.history called %d times, want 1", n)
	}
}
