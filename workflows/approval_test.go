package workflows

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/suite"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/policy"
	"github.com/jitflow/jitflow/internal/slackui"
)

var ref = bytebase.IssueRef{Project: "project-sample", Number: 123}

func issue(stepRoles []string, approved int) bytebase.Issue {
	is := bytebase.Issue{
		Ref:            ref,
		Title:          `[instances/prod/databases/hr_prod] Request "SQL Editor User" role`,
		Reason:         "INC-4711",
		Type:           "ROLE_GRANT",
		Status:         "OPEN",
		ApprovalStatus: "PENDING",
		StepRoles:      stepRoles,
		Requester:      "dev@example.com",
		Role:           "roles/sqlEditorUser",
		Databases:      []string{"instances/prod/databases/hr_prod"},
		Link:           "https://bb.example.com/projects/project-sample/issues/123",
		CreateTime:     time.Date(2026, 8, 22, 6, 30, 0, 0, time.UTC),
	}
	for i := 0; i < approved; i++ {
		is.Approvers = append(is.Approvers, bytebase.Approver{Status: "APPROVED", Principal: "jit-bot@service.bytebase.com"})
	}
	if approved == len(stepRoles) {
		is.ApprovalStatus, is.Status = "APPROVED", "DONE"
	}
	return is
}

func rejected(is bytebase.Issue) bytebase.Issue {
	is.Approvers = append(is.Approvers, bytebase.Approver{Status: "REJECTED", Principal: "jit-bot@service.bytebase.com"})
	is.ApprovalStatus = "REJECTED"
	return is
}

var (
	alice = slackui.Person{SlackID: "UALICE", Name: "Alice DBA", Email: "alice@example.com"}
	bob   = slackui.Person{SlackID: "UBOB", Name: "Bob Owner", Email: "bob@example.com"}
	dev   = slackui.Person{SlackID: "UDEV", Name: "Dev User", Email: "Dev@Example.com"}
	eve   = slackui.Person{SlackID: "UEVE", Name: "Eve", Email: "eve@example.com"}
	card  = activities.CardRef{Channel: "C0DBACCESS", TS: "1700000000.000100"}
)

type approvalSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env    *testsuite.TestWorkflowEnvironment
	policy activities.RequestPolicy
	// failUpdates makes the next n UpdateCard attempts fail.
	failUpdates int
	posted      []slackui.Card
	updates     []slackui.Card
	replies     []string
	replyKeys   []string
	repliedAt   []time.Time // when each reply was sent, in the test's clock
	// authorizeFailures: how many Authorize calls fail (retryably) first.
	authorizeFailures int
	notes             []activities.NotifyInput
	dms               []string
	decided           []activities.DecideInput
	postedAt          time.Time // when the card was posted, in the test's clock
	// The card fast path: whether PostCardNow finds a turn free (else it
	// declines), or fails; what PostCardOnce was asked.
	fastDeclines bool
	fastErr      error
	queuedPosts  []activities.PostCardInput
	// How long DM and PostThreadReply take (a paced Slack queue).
	dmDelay, replyDelay time.Duration
}

// quietPolicy handles the request but never reminds, escalates, expires or
// re-reads on its own: tests that want those set them.
func quietPolicy() activities.RequestPolicy {
	return activities.RequestPolicy{Handled: true, Effective: policy.Effective{
		Channel: card.Channel, ApprovalMode: policy.ModeSlack, OnExpire: policy.OnExpireReject,
	}}
}

func TestApprovalWorkflow(t *testing.T) { suite.Run(t, new(approvalSuite)) }

func (s *approvalSuite) SetupTest() {
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	s.env = s.NewTestWorkflowEnvironment()
	s.env.RegisterActivity(a)
	s.posted, s.updates, s.replies, s.replyKeys, s.repliedAt, s.notes, s.dms, s.decided = nil, nil, nil, nil, nil, nil, nil, nil
	s.authorizeFailures = 0
	s.policy = quietPolicy()
	s.env.OnActivity(a.RequestPolicy, mock.Anything, mock.Anything).Return(func(context.Context, bytebase.Issue) (activities.RequestPolicy, error) {
		return s.policy, nil
	}).Maybe()
	s.env.OnActivity(a.FindSlackUser, mock.Anything, mock.Anything).Return(slackui.Person{SlackID: dev.SlackID, Email: dev.Email}, nil).Maybe()
	s.env.OnActivity(a.StepApprovers, mock.Anything, mock.Anything).Return([]slackui.Person{alice}, nil).Maybe()
	s.dmDelay, s.replyDelay = 0, 0
	s.env.OnActivity(a.DM, mock.Anything, mock.Anything).AfterFn(func() time.Duration { return s.dmDelay }).Return(func(_ context.Context, in activities.DMInput) (activities.DMResult, error) {
		s.dms = append(s.dms, in.Text)
		return activities.DMResult{Sent: true}, nil
	}).Maybe()
	s.env.SetCurrentHistoryLength(firstTaskStarted) // the card is posted in the first workflow task
	s.fastDeclines, s.fastErr, s.queuedPosts = false, nil, nil
	s.env.OnActivity(a.PostCardNow, mock.Anything, mock.Anything).Return(func(_ context.Context, c slackui.Card) (activities.FastPost, error) {
		if s.fastErr != nil || s.fastDeclines {
			return activities.FastPost{}, s.fastErr
		}
		s.posted, s.postedAt = append(s.posted, c), s.env.Now()
		return activities.FastPost{Posted: true, Ref: card}, nil
	}).Maybe()
	s.env.OnActivity(a.PostCardOnce, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PostCardInput) (activities.CardRef, error) {
		s.queuedPosts = append(s.queuedPosts, in)
		s.posted, s.postedAt = append(s.posted, in.Card), s.env.Now()
		return card, nil
	}).Maybe()
	s.failUpdates = 0
	s.env.OnActivity(a.UpdateCard, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.UpdateCardInput) error {
		if s.failUpdates > 0 { // Slack refusing edits (say, 429s); the activity retries
			s.failUpdates--
			return temporal.NewApplicationError("ratelimited", "SlackRateLimited")
		}
		s.updates = append(s.updates, in.Card)
		return nil
	}).Maybe()
	s.env.OnActivity(a.PostThreadReply, mock.Anything, mock.Anything).AfterFn(func() time.Duration { return s.replyDelay }).Return(func(_ context.Context, in activities.ThreadReplyInput) error {
		s.replies = append(s.replies, in.Text)
		s.replyKeys = append(s.replyKeys, in.Key)
		s.repliedAt = append(s.repliedAt, s.env.Now())
		return nil
	}).Maybe()
	s.env.OnActivity(a.NotifyUser, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.NotifyInput) error {
		s.notes = append(s.notes, in)
		return nil
	}).Maybe()
	// Authorization itself is tested in internal/authz and activities; here
	// anyone but the requester and eve may decide.
	s.env.OnActivity(a.Authorize, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.AuthorizeInput) (activities.AuthorizeResult, error) {
		if s.authorizeFailures > 0 {
			s.authorizeFailures--
			return activities.AuthorizeResult{}, temporal.NewApplicationError("project IAM policy: 503 service unavailable", "BytebaseError")
		}
		switch {
		case strings.EqualFold(in.Clicker.Email, in.Issue.Requester):
			return activities.AuthorizeResult{Reason: "You requested this access, so someone else must decide."}, nil
		case in.Clicker.SlackID == eve.SlackID:
			return activities.AuthorizeResult{Reason: "You don't hold roles/workspaceDBA in Bytebase, which step 1 needs."}, nil
		}
		return activities.AuthorizeResult{Allowed: true}, nil
	}).Maybe()
	for _, p := range []slackui.Person{alice, bob, dev, eve} {
		s.env.OnActivity(a.LookupSlackUser, mock.Anything, p.SlackID).Return(p, nil).Maybe()
	}
}

func (s *approvalSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

// decide mocks the Decide activity: each call records its input and returns
// the next issue state.
func (s *approvalSuite) decide(results ...bytebase.Issue) {
	n := 0
	s.env.OnActivity(a.Decide, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.DecideInput) (activities.DecideResult, error) {
		s.decided = append(s.decided, in)
		is := results[min(n, len(results)-1)]
		n++
		return activities.DecideResult{Outcome: activities.Applied, Issue: is}, nil
	})
}

func (s *approvalSuite) click(after time.Duration, id string, d Decision, step int, user string) {
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(SignalClick, Click{ID: id, Decision: d, Step: step, UserID: user, Channel: card.Channel, MessageTS: card.TS})
	}, after)
}

func (s *approvalSuite) run() Result {
	s.env.ExecuteWorkflow(ApprovalWorkflow, ApprovalInput{Issue: ref})
	s.Require().True(s.env.IsWorkflowCompleted())
	s.Require().NoError(s.env.GetWorkflowError())
	var r Result
	s.Require().NoError(s.env.GetWorkflowResult(&r))
	return r
}

func (s *approvalSuite) lastCard() slackui.Card {
	s.Require().NotEmpty(s.updates, "card never updated")
	return s.updates[len(s.updates)-1]
}

func (s *approvalSuite) TestSingleStepApprove() {
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	s.decide(issue([]string{"roles/workspaceDBA"}, 1))
	s.click(10*time.Minute, "a1", Approve, 1, alice.SlackID)

	r := s.run()
	s.Equal(StatusApproved, r.Status)
	s.Equal(alice, r.Decider)
	s.Require().Len(s.decided, 1)
	s.True(s.decided[0].Approve)
	s.Equal(1, s.decided[0].Step)
	s.Contains(s.decided[0].Comment, "Alice DBA")
	s.Contains(s.decided[0].Comment, "alice@example.com")
	s.Contains(s.decided[0].Comment, "UALICE")
	c := s.lastCard()
	s.Equal(slackui.StateApproved, c.State)
	s.Equal(alice, *c.Decider)
	s.Require().Len(s.notes, 1)
	s.Equal(alice.SlackID, s.notes[0].UserID)
}

func (s *approvalSuite) TestTwoStepsOnOneCard() {
	roles := []string{"roles/projectOwner", "roles/workspaceDBA"}
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue(roles, 0), nil)
	s.decide(issue(roles, 1), issue(roles, 2))
	s.click(time.Minute, "b1", Approve, 1, bob.SlackID)
	s.click(2*time.Minute, "a2", Approve, 2, alice.SlackID)

	r := s.run()
	s.Equal(StatusApproved, r.Status)
	s.Require().Len(s.decided, 2)
	s.Equal([]int{1, 2}, []int{s.decided[0].Step, s.decided[1].Step})
	s.Require().Len(s.updates, 2)
	mid := s.updates[0]
	s.Equal(slackui.StatePending, mid.State)
	s.Equal(2, mid.Step)
	s.Equal("Workspace DBA", mid.StepRole)
	s.Require().Len(mid.StepsApproved, 1)
	s.Equal(bob, mid.StepsApproved[0].By)
	s.Equal(slackui.StateApproved, s.lastCard().State)
}

func (s *approvalSuite) TestDeny() {
	pending := issue([]string{"roles/workspaceDBA"}, 0)
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(pending, nil)
	s.decide(rejected(pending))
	s.click(time.Minute, "d1", Deny, 1, alice.SlackID)

	r := s.run()
	s.Equal(StatusDenied, r.Status)
	s.Require().Len(s.decided, 1)
	s.False(s.decided[0].Approve)
	s.Contains(s.decided[0].Comment, "Denied in Slack by Alice DBA")
	s.Equal(slackui.StateDenied, s.lastCard().State)
}

func (s *approvalSuite) TestRequesterRefusedAndReplayedClickActsOnce() {
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	s.decide(issue([]string{"roles/workspaceDBA"}, 1))
	s.click(time.Minute, "own", Approve, 1, dev.SlackID) // the requester, email differs only in case
	s.click(2*time.Minute, "a1", Approve, 1, alice.SlackID)
	// While alice's approval is being applied, her request is replayed and bob
	// clicks Deny: both queue behind it.
	s.click(2*time.Minute, "a1", Approve, 1, alice.SlackID)
	s.click(2*time.Minute, "b1", Deny, 1, bob.SlackID)

	r := s.run()
	s.Equal(StatusApproved, r.Status)
	s.Len(s.decided, 1, "one action however the clicks arrive")
	s.Require().Len(s.notes, 3, "requester, approver and late clicker are answered; the replay is not")
	s.Equal(dev.SlackID, s.notes[0].UserID)
	s.Contains(s.notes[0].Text, "You requested this access")
	s.Equal(bob.SlackID, s.notes[2].UserID)
	s.Contains(s.notes[2].Text, "no longer waiting for you")
	s.Contains(s.notes[2].Text, "<@UALICE>")

	var st State
	// The workflow is closed; its final state is still queryable in the test env.
	v, err := s.env.QueryWorkflow(QueryState)
	s.Require().NoError(err)
	s.Require().NoError(v.Get(&st))
	s.Require().Len(st.Clicks, 3)
	s.False(st.Clicks[0].Accepted)
	s.True(st.Clicks[1].Accepted)
	s.False(st.Clicks[2].Accepted)
}

func (s *approvalSuite) TestStaleStepRefused() {
	roles := []string{"roles/projectOwner", "roles/workspaceDBA"}
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue(roles, 0), nil)
	s.decide(issue(roles, 1), issue(roles, 2))
	s.click(time.Minute, "early2", Approve, 2, alice.SlackID) // a click claiming step 2 while step 1 is pending
	s.click(2*time.Minute, "b1", Approve, 1, bob.SlackID)
	s.click(3*time.Minute, "old1", Approve, 1, alice.SlackID) // from the card as it was before step 1 was approved
	s.click(4*time.Minute, "a2", Approve, 2, alice.SlackID)

	s.Equal(StatusApproved, s.run().Status)
	s.Require().Len(s.decided, 2)
	s.Equal(1, s.decided[0].Step)
	s.Equal(2, s.decided[1].Step)
	s.Contains(s.notes[0].Text, "step 1 of 2 is pending")
	s.Contains(s.notes[2].Text, "step 2 of 2 is pending")
}

func (s *approvalSuite) TestIgnoresWhatIsNotAwaitingApproval() {
	cases := map[string]bytebase.Issue{
		"database change": func() bytebase.Issue {
			is := issue([]string{"roles/workspaceDBA"}, 0)
			is.Type = "DATABASE_CHANGE"
			return is
		}(),
		"already done": issue([]string{"roles/workspaceDBA"}, 1),
		"canceled": func() bytebase.Issue {
			is := issue([]string{"roles/workspaceDBA"}, 0)
			is.Status = "CANCELED"
			return is
		}(),
	}
	for name, is := range cases {
		s.Run(name, func() {
			s.SetupTest()
			if is.Type == "DATABASE_CHANGE" { // the policy activity says it isn't ours
				s.policy.Handled, s.policy.Why = false, "type DATABASE_CHANGE is not in JIT_ISSUE_TYPES"
			}
			s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(is, nil)
			r := s.run()
			s.Equal(StatusIgnored, r.Status)
			if is.Type == "DATABASE_CHANGE" {
				s.Contains(r.Note, "JIT_ISSUE_TYPES")
			}
			s.Empty(s.posted, "a card was posted")
		})
	}
}

func (s *approvalSuite) TestWaitsWhileBytebaseIsChecking() {
	checking := issue([]string{"roles/workspaceDBA"}, 0)
	checking.ApprovalStatus = "CHECKING"
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(checking, nil).Twice()
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	s.decide(issue([]string{"roles/workspaceDBA"}, 1))
	s.click(5*time.Minute, "a1", Approve, 1, alice.SlackID)
	s.Equal(StatusApproved, s.run().Status)
}

func (s *approvalSuite) TestDecidedInBytebaseClosesCard() {
	roles := []string{"roles/projectOwner", "roles/workspaceDBA"}
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue(roles, 0), nil).Once()
	stepTwo := issue(roles, 1)
	stepTwo.Approvers[0].Principal = "owner@example.com"
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(stepTwo, nil).Once()
	done := rejected(stepTwo)
	done.Approvers[1].Principal = "dba@example.com"
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(done, nil)
	s.env.RegisterDelayedCallback(func() { s.env.SignalWorkflow(SignalHint, Hint{Event: "Approval required"}) }, time.Minute)
	s.env.RegisterDelayedCallback(func() { s.env.SignalWorkflow(SignalHint, Hint{Event: "Issue sent back"}) }, 2*time.Minute)

	r := s.run()
	s.Equal(StatusDecidedInBytebase, r.Status)
	s.Equal("dba@example.com", r.Decider.Email)
	s.Require().Len(s.updates, 2)
	s.Equal(2, s.updates[0].Step)
	s.Equal("owner@example.com", s.updates[0].StepsApproved[0].By.Email)
	s.Equal(slackui.StateDecidedInBytebase, s.lastCard().State)
	s.env.AssertNotCalled(s.T(), "Decide", mock.Anything, mock.Anything)
}

func (s *approvalSuite) TestBytebaseFailureShowsOnCard() {
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	var calls []time.Time
	s.env.OnActivity(a.Decide, mock.Anything, mock.Anything).Return(func(context.Context, activities.DecideInput) (activities.DecideResult, error) {
		calls = append(calls, s.env.Now())
		return activities.DecideResult{}, temporal.NewApplicationError("approve step 1: 503 service unavailable", "BytebaseError")
	})
	s.click(time.Minute, "a1", Approve, 1, alice.SlackID)

	r := s.run()
	s.Equal(StatusFailed, r.Status)
	c := s.lastCard()
	s.Equal(slackui.StateFailed, c.State)
	s.Contains(c.Failure, "503 service unavailable")
	s.Require().Len(s.notes, 1)
	s.Contains(s.notes[0].Text, "could not be recorded")
	// Retried with backoff (1 s doubling to 30 s) for the whole budget, then
	// shown: a 10-minute outage is ridden out, not a fixed number of tries.
	s.Require().Greater(len(calls), 10)
	for i := 1; i < len(calls); i++ {
		s.LessOrEqual(calls[i].Sub(calls[i-1]), bytebaseRetry.MaximumInterval+time.Second, "attempt %d", i+1)
	}
	tried := calls[len(calls)-1].Sub(calls[0])
	s.Greater(tried, bytebaseBudget-bytebaseRetry.MaximumInterval-time.Second)
	s.LessOrEqual(tried, bytebaseBudget)
}

func (s *approvalSuite) TestReadFailureFailsTheRequest() {
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(bytebase.Issue{}, temporal.NewNonRetryableApplicationError("issue not found", "BytebaseError", errors.New("404")))
	s.env.ExecuteWorkflow(ApprovalWorkflow, ApprovalInput{Issue: ref})
	s.Require().True(s.env.IsWorkflowCompleted())
	s.Error(s.env.GetWorkflowError())
}

func TestWorkflowID(t *testing.T) {
	id := WorkflowID(ref)
	if id != "jit/project-sample/123" {
		t.Fatalf("WorkflowID = %q", id)
	}
	back, err := ParseWorkflowID(id)
	if err != nil || back != ref {
		t.Fatalf("ParseWorkflowID(%q) = %v, %v", id, back, err)
	}
	for _, bad := range []string{"", "jit/p", "jit//1", "jit/p/x", "jit/p/0", "other/p/1", "jit/p/1/2"} {
		if _, err := ParseWorkflowID(bad); err == nil {
			t.Errorf("ParseWorkflowID(%q) accepted", bad)
		}
	}
}

func (s *approvalSuite) TestPollHintForTheShownStepSkipsTheReRead() {
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil).Once()
	s.decide(issue([]string{"roles/workspaceDBA"}, 1))
	for i := 1; i <= 3; i++ {
		s.env.RegisterDelayedCallback(func() { s.env.SignalWorkflow(SignalHint, Hint{Event: HintPoll, PendingStep: 1}) }, time.Duration(i)*time.Minute)
	}
	s.click(5*time.Minute, "a1", Approve, 1, alice.SlackID)
	s.Equal(StatusApproved, s.run().Status)
	s.env.AssertNumberOfCalls(s.T(), "GetIssue", 1)
}

func (s *approvalSuite) TestUnauthorizedClickIsRefusedAndRecorded() {
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	s.decide(issue([]string{"roles/workspaceDBA"}, 1))
	s.click(time.Minute, "e1", Approve, 1, eve.SlackID)
	s.click(2*time.Minute, "a1", Approve, 1, alice.SlackID)

	s.Equal(StatusApproved, s.run().Status)
	s.Len(s.decided, 1, "only alice's click acted")
	s.Contains(s.notes[0].Text, "which step 1 needs")
	s.Equal(eve.SlackID, s.notes[0].UserID)
	s.Require().NotEmpty(s.replies)
	s.Contains(s.replies[0], "<@UEVE> tried to approve step 1 of 1: refused")
	v, err := s.env.QueryWorkflow(QueryState)
	s.Require().NoError(err)
	var st State
	s.Require().NoError(v.Get(&st))
	s.False(st.Clicks[0].Accepted)
	s.Equal(eve, st.Clicks[0].By)
	s.True(st.Clicks[1].Accepted)
}
