package activities

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackui"
)

// retried runs a Slack activity as the approval workflow does: a regular
// activity with retries, so it sees real attempt numbers and scheduled times.
func retried(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
}

func postCardWorkflow(ctx workflow.Context, card slackui.Card) (CardRef, error) {
	var a *Activities
	var ref CardRef
	err := workflow.ExecuteActivity(retried(ctx), a.PostCard, card).Get(ctx, &ref)
	return ref, err
}

func threadReplyWorkflow(ctx workflow.Context, in ThreadReplyInput) error {
	var a *Activities
	return workflow.ExecuteActivity(retried(ctx), a.PostThreadReply, in).Get(ctx, nil)
}

func escalateWorkflow(ctx workflow.Context, card slackui.Card) error {
	var a *Activities
	return workflow.ExecuteActivity(retried(ctx), a.Escalate, card).Get(ctx, nil)
}

// runRetried runs workflow wf (one of the above) with ID workflowID through
// Temporal's test environment against sl, with a Slack client that gives up
// after clientTimeout, and fails the test if it fails.
func runRetried(t *testing.T, sl *slackfake.Server, clientTimeout time.Duration, workflowID string, wf, arg any) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(wf)
	env.RegisterActivity(&Activities{
		Slack:   slack.New(token, slack.OptionAPIURL(sl.URL()), slack.OptionHTTPClient(&http.Client{Timeout: clientTimeout})),
		Channel: "C0DBACCESS",
	})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflowID})
	env.ExecuteWorkflow(wf, arg)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("%s failed: %v", workflowID, err)
	}
	return env
}

// runPostCard posts card through Temporal's test environment against sl,
// with a Slack client that gives up after clientTimeout.
func runPostCard(t *testing.T, sl *slackfake.Server, card slackui.Card, clientTimeout time.Duration) CardRef {
	t.Helper()
	env := runRetried(t, sl, clientTimeout, card.WorkflowID, postCardWorkflow, card)
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
	requireOneHistoryLookup(t, sl, "C0DBACCESS", msgs[1].TS)
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

// callsTo returns the calls the fake received for method.
func callsTo(sl *slackfake.Server, method string) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range sl.Calls() {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// metadataOf decodes a stored message's metadata.
func metadataOf(t *testing.T, m slackfake.Message) (eventType string, payload map[string]any) {
	t.Helper()
	if len(m.Metadata) == 0 {
		return "", nil
	}
	var meta struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if err := json.Unmarshal(m.Metadata, &meta); err != nil {
		t.Fatalf("metadata %s: %v", m.Metadata, err)
	}
	return meta.EventType, meta.EventPayload
}

// postTestCard posts a card straight to the fake, as PostCard did earlier.
func postTestCard(t *testing.T, sl *slackfake.Server) CardRef {
	t.Helper()
	ch, ts, err := slack.New(token, slack.OptionAPIURL(sl.URL())).PostMessage("C0DBACCESS", slack.MsgOptionText("card", false),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: cardEventType, EventPayload: map[string]any{"workflow_id": "jit/p/1"}}))
	if err != nil {
		t.Fatal(err)
	}
	return CardRef{Channel: ch, TS: ts}
}

// replies returns the thread's replies the fake holds, in posting order.
func replies(sl *slackfake.Server, card CardRef) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range sl.Messages(card.Channel) {
		if m.ThreadTS == card.TS {
			out = append(out, m)
		}
	}
	return out
}

func TestThreadReplyOnceWhenSlackAcceptedButTheClientTimedOut(t *testing.T) {
	sl := newClockedSlack(t)
	card := postTestCard(t, sl)
	runRetried(t, sl, 5*time.Second, "jit/p/1", threadReplyWorkflow, ThreadReplyInput{Ref: card, Text: "⏰ reminder", Key: "reply-1"})

	// Slack posts the reply, then the answer never arrives in time.
	sl.AcceptThenStallNext("chat.postMessage", 1, time.Minute)
	runRetried(t, sl, 300*time.Millisecond, "jit/p/1", threadReplyWorkflow, ThreadReplyInput{Ref: card, Text: "✅ approved", Key: "reply-2"})

	got := replies(sl, card)
	if len(got) != 2 || got[1].Text != "✅ approved" {
		t.Fatalf("%d replies in the thread, want 2 (the retry must not post again): %+v", len(got), got)
	}
	if n := sl.CallCount("chat.postMessage"); n != 3 {
		t.Errorf("chat.postMessage called %d times, want 3 (card, first reply, the timed-out reply)", n)
	}
	lookups := callsTo(sl, "conversations.replies")
	if len(lookups) != 1 {
		t.Fatalf("conversations.replies called %d times, want once (by the retry only)", len(lookups))
	}
	p := lookups[0].Params
	if p["channel"] != card.Channel || p["ts"] != card.TS || p["include_all_metadata"] != "1" || p["oldest"] == "" || p["oldest"] >= got[1].TS {
		t.Errorf("lookup params = %v, want the card's thread, metadata, and an oldest bound before the reply", p)
	}
	if n := sl.CallCount("conversations.history"); n != 0 {
		t.Errorf("a reply was looked for in the channel's history (%d calls)", n)
	}
}

func TestThreadReplyFirstAttemptPostsWithMetadata(t *testing.T) {
	sl := newClockedSlack(t)
	card := postTestCard(t, sl)
	runRetried(t, sl, 5*time.Second, "jit/p/1", threadReplyWorkflow, ThreadReplyInput{Ref: card, Text: "✅ approved", Key: "reply-3"})
	got := replies(sl, card)
	if len(got) != 1 || got[0].Text != "✅ approved" {
		t.Fatalf("replies = %+v", got)
	}
	typ, payload := metadataOf(t, got[0])
	if typ != "jitflow_reply" || payload["workflow_id"] != "jit/p/1" || payload["key"] != "reply-3" || len(payload) != 2 {
		t.Errorf("reply metadata = %s, want jitflow_reply with the workflow ID and key", got[0].Metadata)
	}
	if n := sl.CallCount("conversations.replies"); n != 0 {
		t.Errorf("the first attempt called conversations.replies %d times", n)
	}
}

func TestThreadReplyRetryPostsWhenNothingWasPosted(t *testing.T) {
	sl := newClockedSlack(t)
	card := postTestCard(t, sl)
	// The workflow's reply with another key, and another request's reply
	// with the same key in the same thread, must not be taken for ours.
	runRetried(t, sl, 5*time.Second, "jit/p/1", threadReplyWorkflow, ThreadReplyInput{Ref: card, Text: "⏰ reminder", Key: "reply-2"})
	runRetried(t, sl, 5*time.Second, "jit/p/2", threadReplyWorkflow, ThreadReplyInput{Ref: card, Text: "not ours", Key: "reply-3"})

	sl.FailNext("chat.postMessage", 1, "internal_error")
	runRetried(t, sl, 5*time.Second, "jit/p/1", threadReplyWorkflow, ThreadReplyInput{Ref: card, Text: "✅ approved", Key: "reply-3"})
	if got := replies(sl, card); len(got) != 3 || got[2].Text != "✅ approved" {
		t.Fatalf("replies = %+v, want the retry's reply posted once after the other two", got)
	}
	if n := sl.CallCount("conversations.replies"); n != 1 {
		t.Errorf("conversations.replies called %d times, want 1", n)
	}
}

// A reply without a key (from a request started before keys) is posted as
// before: no metadata and no lookup, so a timed-out post may duplicate it.
func TestThreadReplyWithoutKeyIsPostedAsBefore(t *testing.T) {
	sl := newClockedSlack(t)
	card := postTestCard(t, sl)
	sl.AcceptThenStallNext("chat.postMessage", 1, time.Minute)
	runRetried(t, sl, 300*time.Millisecond, "jit/p/1", threadReplyWorkflow, ThreadReplyInput{Ref: card, Text: "✅ approved"})
	got := replies(sl, card)
	if len(got) != 2 {
		t.Fatalf("%d replies, want 2 (the old behaviour)", len(got))
	}
	for _, m := range got {
		if len(m.Metadata) != 0 {
			t.Errorf("unkeyed reply has metadata %s", m.Metadata)
		}
	}
	if n := sl.CallCount("conversations.replies") + sl.CallCount("conversations.history"); n != 0 {
		t.Errorf("an unkeyed reply was looked for (%d calls)", n)
	}
}

func escalationCard(workflowID string, step int) slackui.Card {
	c := testCard(workflowID)
	c.Step, c.TotalSteps = step, 2
	c.EscalatedAt = time.Now()
	c.EscalatedTo = slackui.Escalation{Channel: "C0ONCALL", Users: []string{"U0LEAD"}}
	return c
}

func TestEscalateOnceWhenSlackAcceptedButTheClientTimedOut(t *testing.T) {
	sl := newClockedSlack(t)
	runRetried(t, sl, 5*time.Second, "jit/p/1", escalateWorkflow, escalationCard("jit/p/1", 1))

	sl.AcceptThenStallNext("chat.postMessage", 1, time.Minute)
	runRetried(t, sl, 300*time.Millisecond, "jit/p/1", escalateWorkflow, escalationCard("jit/p/1", 2))

	msgs := sl.Messages("C0ONCALL")
	if len(msgs) != 2 {
		t.Fatalf("%d messages in the escalation channel, want 2 (the retry must not post again)", len(msgs))
	}
	if n := sl.CallCount("chat.postMessage"); n != 2 {
		t.Errorf("chat.postMessage called %d times, want 2", n)
	}
	requireOneHistoryLookup(t, sl, "C0ONCALL", msgs[1].TS)
}

// requireOneHistoryLookup checks that only the retry looked for the earlier
// post: one conversations.history call in channel, asking for metadata,
// bounded by an oldest time before the post (postedTS).
func requireOneHistoryLookup(t *testing.T, sl *slackfake.Server, channel, postedTS string) {
	t.Helper()
	lookups := callsTo(sl, "conversations.history")
	if len(lookups) != 1 {
		t.Fatalf("conversations.history called %d times, want once (by the retry only)", len(lookups))
	}
	p := lookups[0].Params
	if p["channel"] != channel || p["include_all_metadata"] != "1" || p["oldest"] == "" || p["oldest"] >= postedTS {
		t.Errorf("lookup params = %v, want %s, metadata, and an oldest bound before the post", p, channel)
	}
}

func TestEscalateFirstAttemptPostsWithMetadata(t *testing.T) {
	sl := newClockedSlack(t)
	runRetried(t, sl, 5*time.Second, "jit/p/1", escalateWorkflow, escalationCard("jit/p/1", 2))
	msgs := sl.Messages("C0ONCALL")
	if len(msgs) != 1 {
		t.Fatalf("%d escalation posts", len(msgs))
	}
	typ, payload := metadataOf(t, msgs[0])
	if typ != "jitflow_escalation" || payload["workflow_id"] != "jit/p/1" || payload["step"] != 2.0 || len(payload) != 2 {
		t.Errorf("escalation metadata = %s, want jitflow_escalation with the workflow ID and step", msgs[0].Metadata)
	}
	if n := sl.CallCount("conversations.history"); n != 0 {
		t.Errorf("the first attempt called conversations.history %d times", n)
	}
}

func TestEscalateRetryPostsWhenNothingWasPosted(t *testing.T) {
	sl := newClockedSlack(t)
	// Another request's escalation of the same step, and this request's
	// escalation of another step, must not be taken for ours.
	runRetried(t, sl, 5*time.Second, "jit/p/2", escalateWorkflow, escalationCard("jit/p/2", 2))
	runRetried(t, sl, 5*time.Second, "jit/p/1", escalateWorkflow, escalationCard("jit/p/1", 1))

	sl.FailNext("chat.postMessage", 1, "internal_error")
	runRetried(t, sl, 5*time.Second, "jit/p/1", escalateWorkflow, escalationCard("jit/p/1", 2))
	msgs := sl.Messages("C0ONCALL")
	if len(msgs) != 3 {
		t.Fatalf("%d escalation posts, want 3: the retry must post its own", len(msgs))
	}
	if _, payload := metadataOf(t, msgs[2]); payload["workflow_id"] != "jit/p/1" || payload["step"] != 2.0 {
		t.Errorf("the retry's post carries %s", msgs[2].Metadata)
	}
	if n := sl.CallCount("conversations.history"); n != 1 {
		t.Errorf("conversations.history called %d times, want 1", n)
	}
}
