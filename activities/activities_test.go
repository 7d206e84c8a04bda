package activities

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"go.temporal.io/sdk/temporal"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/fakes/bytebasefake"
	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackui"
)

const (
	account = "jit-bot@service.bytebase.com"
	key     = "bbs_activities_test_key"
	token   = "xoxb-activities-test"
)

type fixture struct {
	bb    *bytebasefake.Server
	slack *slackfake.Server
	acts  *Activities
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	bb := bytebasefake.New(bytebasefake.Options{ServiceAccount: account, ServiceKey: key})
	t.Cleanup(bb.Close)
	sl := slackfake.New(slackfake.Options{BotToken: token})
	t.Cleanup(sl.Close)
	return &fixture{bb: bb, slack: sl, acts: &Activities{
		Bytebase:       bytebase.New(bb.URL(), account, key),
		ServiceAccount: account,
		Slack:          slack.New(token, slack.OptionAPIURL(sl.URL())),
		Channel:        "C0DBACCESS",
	}}
}

func (f *fixture) issue(steps ...string) bytebase.IssueRef {
	n := f.bb.AddIssue(bytebasefake.NewIssue{Project: "p", Requester: "dev@example.com", Role: "roles/sqlEditorUser", StepRoles: steps})
	return bytebase.IssueRef{Project: "p", Number: n}
}

func TestDecideApprovesOnceAcrossRetries(t *testing.T) {
	f := newFixture(t)
	ref := f.issue("roles/projectOwner", "roles/workspaceDBA")
	ctx := context.Background()
	in := DecideInput{Issue: ref, Step: 1, Approve: true, Comment: "Approved in Slack by Alice"}

	res, err := f.acts.Decide(ctx, in)
	if err != nil || res.Outcome != Applied || res.Issue.PendingStep() != 2 {
		t.Fatalf("first attempt: %+v, %v", res, err)
	}
	// A retry of the same activity (say the first reply timed out) must see
	// its own approval and not approve step 2 on the way.
	res, err = f.acts.Decide(ctx, in)
	if err != nil || res.Outcome != Applied {
		t.Fatalf("retry: %+v, %v", res, err)
	}
	if got := len(f.bb.CallsTo(":approve")); got != 1 {
		t.Fatalf("approve called %d times, want 1", got)
	}
	st, _ := f.bb.State("p", ref.Number)
	if len(st.Approvers) != 1 || st.Comments[0] != in.Comment {
		t.Errorf("issue = %+v", st)
	}
}

func TestDecideActsOnlyOnThePendingStepOfAnOpenIssue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	ref := f.issue("roles/projectOwner", "roles/workspaceDBA")
	res, err := f.acts.Decide(ctx, DecideInput{Issue: ref, Step: 2, Approve: true})
	if err != nil || res.Outcome != NotPending {
		t.Errorf("step 2 while step 1 pends: %+v, %v", res.Outcome, err)
	}

	canceled := f.issue("roles/workspaceDBA")
	if err := f.bb.SetStatus("p", canceled.Number, "CANCELED"); err != nil {
		t.Fatal(err)
	}
	res, err = f.acts.Decide(ctx, DecideInput{Issue: canceled, Step: 1, Approve: true})
	if err != nil || res.Outcome != NotPending {
		t.Errorf("canceled issue: %+v, %v", res.Outcome, err)
	}

	elsewhere := f.issue("roles/workspaceDBA")
	if err := f.bb.ApproveAs("p", elsewhere.Number, "dba@example.com"); err != nil {
		t.Fatal(err)
	}
	res, err = f.acts.Decide(ctx, DecideInput{Issue: elsewhere, Step: 1, Approve: false})
	if err != nil || res.Outcome != NotPending || res.Issue.ApprovalStatus != "APPROVED" {
		t.Errorf("decided in Bytebase: %+v, %v", res, err)
	}
	if n := len(f.bb.CallsTo(":approve")) + len(f.bb.CallsTo(":reject")); n != 0 {
		t.Errorf("%d decisions sent, want none", n)
	}
}

func TestDecideRejects(t *testing.T) {
	f := newFixture(t)
	ref := f.issue("roles/workspaceDBA")
	res, err := f.acts.Decide(context.Background(), DecideInput{Issue: ref, Step: 1, Comment: "Denied in Slack by Alice"})
	if err != nil || res.Outcome != Applied || res.Issue.ApprovalStatus != "REJECTED" {
		t.Fatalf("%+v, %v", res, err)
	}
	// Retried: our own rejection is recognised.
	if res, err := f.acts.Decide(context.Background(), DecideInput{Issue: ref, Step: 1}); err != nil || res.Outcome != Applied {
		t.Fatalf("retry: %+v, %v", res, err)
	}
	if got := len(f.bb.CallsTo(":reject")); got != 1 {
		t.Errorf("reject called %d times", got)
	}
}

func TestBytebaseErrorsAreClassified(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.acts.GetIssue(ctx, bytebase.IssueRef{Project: "p", Number: 999})
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || !app.NonRetryable() {
		t.Errorf("missing issue: %v, want non-retryable", err)
	}
	f.bb.FailNext(1, 503)
	_, err = f.acts.GetIssue(ctx, f.issue("roles/workspaceDBA"))
	if err == nil || (errors.As(err, &app) && app.NonRetryable()) {
		t.Errorf("503: %v, want a retryable error", err)
	}
	if strings.Contains(err.Error(), key) {
		t.Error("error leaks the service key")
	}
}

func TestSlackActivities(t *testing.T) {
	f := newFixture(t)
	f.slack.AddUser(slackfake.User{ID: "UALICE", Name: "alice", RealName: "Alice DBA", Email: "alice@example.com"})
	ctx := context.Background()
	card := slackui.Card{WorkflowID: "jit/p/1", Project: "p", IssueNumber: 1, Title: "t", Requester: "dev@example.com",
		Role: "SQL Editor User", Step: 1, TotalSteps: 1, StepRole: "Workspace DBA", State: slackui.StatePending,
		Link: "https://bb.example.com/projects/p/issues/1", RequestedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}

	ref, err := f.acts.PostCard(ctx, card)
	if err != nil || ref.Channel != "C0DBACCESS" || ref.TS == "" {
		t.Fatalf("PostCard: %+v, %v", ref, err)
	}
	m, _ := f.slack.Message(ref.Channel, ref.TS)
	if !strings.Contains(string(m.Metadata), `"workflow_id":"jit/p/1"`) {
		t.Errorf("card metadata = %s, want the workflow ID", m.Metadata)
	}

	card.State = slackui.StateApproved
	if err := f.acts.UpdateCard(ctx, UpdateCardInput{Ref: ref, Card: card}); err != nil {
		t.Fatal(err)
	}
	if m, _ := f.slack.Message(ref.Channel, ref.TS); m.Updates != 1 {
		t.Errorf("card updates = %d", m.Updates)
	}
	if err := f.acts.PostThreadReply(ctx, ThreadReplyInput{Ref: ref, Text: "✅ approved"}); err != nil {
		t.Fatal(err)
	}
	if err := f.acts.NotifyUser(ctx, NotifyInput{Channel: ref.Channel, UserID: "UALICE", Text: "done"}); err != nil {
		t.Fatal(err)
	}
	if got := f.slack.Ephemerals("UALICE"); len(got) != 1 {
		t.Errorf("ephemerals = %v", got)
	}
	who, err := f.acts.LookupSlackUser(ctx, "UALICE")
	if err != nil || who != (slackui.Person{SlackID: "UALICE", Name: "Alice DBA", Email: "alice@example.com"}) {
		t.Errorf("LookupSlackUser = %+v, %v", who, err)
	}

	// A bad token is a configuration error: retrying won't help.
	f.acts.Slack = slack.New("xoxb-wrong", slack.OptionAPIURL(f.slack.URL()))
	_, err = f.acts.PostCard(ctx, card)
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || !app.NonRetryable() {
		t.Errorf("invalid_auth: %v, want non-retryable", err)
	}
	// A 429 asks for exactly the Retry-After delay before the next attempt.
	f.acts.Slack = slack.New(token, slack.OptionAPIURL(f.slack.URL()))
	f.slack.RateLimitNext("chat.update", 1, 7*time.Second)
	err = f.acts.UpdateCard(ctx, UpdateCardInput{Ref: ref, Card: card})
	if !errors.As(err, &app) || app.NonRetryable() || app.NextRetryDelay() != 7*time.Second {
		t.Errorf("429: %v, want retryable with next delay 7s", err)
	}
}

func TestAuthorizeRetriesAFailedGroupReadButNotAMissingGroup(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.bb.SetIAMPolicy("", `{"bindings":[{"role":"roles/workspaceDBA","members":["group:dbas@example.com","group:gone@example.com"]}]}`); err != nil {
		t.Fatal(err)
	}
	f.bb.SetGroup("dbas@example.com", "alice@example.com")
	ref := f.issue("roles/workspaceDBA")
	is, err := f.acts.GetIssue(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	in := AuthorizeInput{Issue: is, Step: 1, Clicker: slackui.Person{SlackID: "UALICE", Email: "alice@example.com"}}

	// gone@ doesn't exist (404): it grants nothing, alice still may.
	res, err := f.acts.Authorize(ctx, in)
	if err != nil || !res.Allowed {
		t.Fatalf("with a missing group: %+v, %v", res, err)
	}
	// A 503 while reading a group is not a refusal: the activity fails and
	// is retried.
	f.bb.FailNextOn("/v1/groups/dbas@example.com", 1, 503)
	res, err = f.acts.Authorize(ctx, in)
	var app *temporal.ApplicationError
	if err == nil || (errors.As(err, &app) && app.NonRetryable()) {
		t.Fatalf("group read failing with 503: %+v, %v; want a retryable error", res, err)
	}
}
