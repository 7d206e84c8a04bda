package activities

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackgov"
)

// The card fast path (PostCardNow), and the queued post after it
// (PostCardOnce), against the fake Slack and a real governor.

func pacedActivities(sl *slackfake.Server, gov *slackgov.Governor) *Activities {
	return &Activities{
		Slack:   slack.New(token, slack.OptionAPIURL(sl.URL()), slack.OptionHTTPClient(&http.Client{Timeout: 5 * time.Second})),
		Channel: "C0DBACCESS",
		Pacer:   gov,
	}
}

// holdingGovernor paces at r posts per second per channel and holds the
// lease.
func holdingGovernor(r float64) *slackgov.Governor {
	g := slackgov.New(r, 1)
	g.HoldUntil(time.Now().Add(time.Hour))
	return g
}

func postNow(t *testing.T, acts *Activities, workflowID string) FastPost {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	v, err := env.ExecuteLocalActivity(acts.PostCardNow, testCard(workflowID))
	if err != nil {
		t.Fatalf("PostCardNow: %v", err)
	}
	var fp FastPost
	if err := v.Get(&fp); err != nil {
		t.Fatal(err)
	}
	return fp
}

func TestPostCardNowPostsWhenTheChannelHasATurn(t *testing.T) {
	sl := newClockedSlack(t)
	fp := postNow(t, pacedActivities(sl, holdingGovernor(1)), "jit/p/1")
	msgs := sl.Messages("C0DBACCESS")
	if !fp.Posted || len(msgs) != 1 || fp.Ref.TS != msgs[0].TS || fp.Ref.Channel != "C0DBACCESS" {
		t.Fatalf("fast post %+v, %d messages", fp, len(msgs))
	}
	if typ, payload := metadataOf(t, msgs[0]); typ != cardEventType || payload["workflow_id"] != "jit/p/1" {
		t.Errorf("card metadata %s %v: a later lookup could not find it", typ, payload)
	}
	if n := sl.CallCount("conversations.history"); n != 0 {
		t.Errorf("the fast path looked in the channel's history %d times", n)
	}
}

func TestPostCardNowLeavesTheCardToTheQueue(t *testing.T) {
	for name, gov := range map[string]*slackgov.Governor{
		"no free turn":    holdingGovernor(1),
		"not the holder":  slackgov.New(1, 1),
		"no pacer at all": nil,
	} {
		t.Run(name, func(t *testing.T) {
			sl := newClockedSlack(t)
			acts := pacedActivities(sl, gov)
			if gov == nil {
				acts.Pacer = nil
			}
			if name == "no free turn" {
				gov.TryPost(context.Background(), "C0DBACCESS", 0) // another card took this second's turn
			}
			if fp := postNow(t, acts, "jit/p/1"); fp.Posted {
				t.Fatalf("fast post %+v", fp)
			}
			if n := sl.CallCount("chat.postMessage"); n != 0 {
				t.Errorf("a declined fast post called chat.postMessage %d times", n)
			}
		})
	}
}

func postCardOnceWorkflow(ctx workflow.Context, in PostCardInput) (CardRef, error) {
	var a *Activities
	var ref CardRef
	err := workflow.ExecuteActivity(retried(ctx), a.PostCardOnce, in).Get(ctx, &ref)
	return ref, err
}

func runPostCardOnce(t *testing.T, acts *Activities, in PostCardInput) CardRef {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(postCardOnceWorkflow)
	env.RegisterActivity(acts)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: in.Card.WorkflowID})
	env.ExecuteWorkflow(postCardOnceWorkflow, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("PostCardOnce: %v", err)
	}
	var ref CardRef
	if err := env.GetWorkflowResult(&ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// The fast path posted, then its workflow task was lost: the queued post
// finds the card on its first attempt instead of posting another.
func TestPostCardOnceLookingFirstFindsTheFastCard(t *testing.T) {
	sl := newClockedSlack(t)
	acts := pacedActivities(sl, holdingGovernor(100))
	start := time.Now()
	fp := postNow(t, acts, "jit/p/1")
	ref := runPostCardOnce(t, acts, PostCardInput{Card: testCard("jit/p/1"), LookFirst: true, Since: start})
	if ref != fp.Ref {
		t.Errorf("queued post returned %+v, want the fast card %+v", ref, fp.Ref)
	}
	if n := len(sl.Messages("C0DBACCESS")); n != 1 {
		t.Errorf("%d cards in the channel, want 1", n)
	}
	requireOneHistoryLookup(t, sl, "C0DBACCESS", fp.Ref.TS)
}

func TestPostCardOnceWithoutLookFirstPostsAtOnce(t *testing.T) {
	sl := newClockedSlack(t)
	ref := runPostCardOnce(t, pacedActivities(sl, holdingGovernor(100)), PostCardInput{Card: testCard("jit/p/1")})
	if msgs := sl.Messages("C0DBACCESS"); len(msgs) != 1 || msgs[0].TS != ref.TS {
		t.Fatalf("ref %+v, messages %d", ref, len(msgs))
	}
	if n := sl.CallCount("conversations.history"); n != 0 {
		t.Errorf("conversations.history called %d times", n)
	}
}

// Queued posts to one channel (cards, and through the same postOnce,
// replies and escalations) take turns from the governor, fast posts
// included: Slack sees them no closer than the governor's interval.
func TestQueuedPostsTakeTurnsWithTheFastPath(t *testing.T) {
	sl := newClockedSlack(t)
	const perSecond = 10 // one turn per 100 ms
	acts := pacedActivities(sl, holdingGovernor(perSecond))
	postNow(t, acts, "jit/p/1")
	runPostCardOnce(t, acts, PostCardInput{Card: testCard("jit/p/2")})
	runPostCardOnce(t, acts, PostCardInput{Card: testCard("jit/p/3")})
	posts := callsTo(sl, "chat.postMessage")
	if len(posts) != 3 {
		t.Fatalf("%d posts, want 3", len(posts))
	}
	interval := time.Second / perSecond
	for i := 1; i < len(posts); i++ {
		if gap := posts[i].Time.Sub(posts[i-1].Time); gap < interval*9/10 {
			t.Errorf("post %d came %s after the one before, under the %s interval", i+1, gap, interval)
		}
	}
}

// A queued post in a worker that lost the lease fails (to be retried by the
// holder's worker) and posts nothing.
func TestQueuedPostWithoutTheLeaseFails(t *testing.T) {
	sl := newClockedSlack(t)
	acts := pacedActivities(sl, slackgov.New(1, 1))
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	_, err := env.ExecuteActivity(acts.PostCardOnce, PostCardInput{Card: testCard("jit/p/1")})
	if err == nil || !strings.Contains(err.Error(), "does not hold the Slack lease") {
		t.Fatalf("PostCardOnce without the lease: %v", err)
	}
	if n := sl.CallCount("chat.postMessage"); n != 0 {
		t.Errorf("chat.postMessage called %d times", n)
	}
}
