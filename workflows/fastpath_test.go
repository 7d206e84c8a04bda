package workflows

import (
	"context"
	"strings"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/slackui"
)

// The fast path (changeFastPath); requests recorded before it are covered
// by the replay test.

func (s *approvalSuite) TestSnapshotFromTheGatewaySkipsTheFirstRead() {
	snap := issue([]string{"roles/workspaceDBA"}, 0)
	snap.Title = "read by the gateway"
	reads := 0
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(func(context.Context, bytebase.IssueRef) (bytebase.Issue, error) {
		reads++
		return snap, nil
	}).Maybe()
	s.decide(issue([]string{"roles/workspaceDBA"}, 1))
	s.click(time.Minute, "a1", Approve, 1, alice.SlackID)

	s.env.ExecuteWorkflow(ApprovalWorkflow, ApprovalInput{Issue: ref, Snapshot: &snap})
	s.Require().NoError(s.env.GetWorkflowError())
	s.Zero(reads, "the workflow read the issue the gateway had just read")
	s.Require().Len(s.posted, 1)
	s.Equal("read by the gateway", s.posted[0].Title)
	s.Equal(slackui.StateApproved, s.lastCard().State)
}

func (s *approvalSuite) TestSnapshotOfAnotherIssueIsNotTrusted() {
	other := issue([]string{"roles/workspaceDBA"}, 0)
	other.Ref.Number, other.Title = 999, "someone else's issue"
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	s.decide(issue([]string{"roles/workspaceDBA"}, 1))
	s.click(time.Minute, "a1", Approve, 1, alice.SlackID)

	s.env.ExecuteWorkflow(ApprovalWorkflow, ApprovalInput{Issue: ref, Snapshot: &other})
	s.Require().NoError(s.env.GetWorkflowError())
	s.env.AssertNumberOfCalls(s.T(), "GetIssue", 1)
	s.Require().Len(s.posted, 1)
	s.NotEqual(other.Title, s.posted[0].Title)
}

// A paced Slack queue (DMs at 0.8/s for the whole workspace, replies at one
// post per second per channel) must not hold up the decision: the click is
// acted on at once, and the messages still all go out, in order, before the
// workflow ends.
func (s *approvalSuite) TestSlowMessagesDoNotHoldUpTheDecision() {
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	s.dmDelay, s.replyDelay = 10*time.Minute, 5*time.Minute
	var decidedAt time.Time
	s.env.OnActivity(a.Decide, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.DecideInput) (activities.DecideResult, error) {
		decidedAt = s.env.Now()
		return activities.DecideResult{Outcome: activities.Applied, Issue: issue([]string{"roles/workspaceDBA"}, 1)}, nil
	})
	s.click(time.Minute, "e1", Approve, 1, eve.SlackID) // refused: a thread reply, which takes 5 minutes
	s.click(time.Minute+time.Second, "a1", Approve, 1, alice.SlackID)

	s.Equal(StatusApproved, s.run().Status)
	s.Less(decidedAt.Sub(s.postedAt), 2*time.Minute, "the click waited for a DM or a thread reply")
	s.Require().Len(s.dms, 2, "every DM is sent before the workflow ends")
	s.Contains(s.dms[0], "waiting")
	s.Contains(s.dms[1], "approved")
	s.Require().Len(s.replies, 2)
	s.Contains(s.replies[0], "<@UEVE>", "replies keep their order")
	s.Contains(s.replies[1], "Approved")
}

// Messages queued behind one in flight go out while a decision waits for
// Bytebase to come back: the request's wait keeps its outboxes going.
func (s *approvalSuite) TestMessagesGoOnWhileBytebaseIsRetried() {
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	s.replyDelay = 20 * time.Second
	var decidedAt time.Time
	s.env.OnActivity(a.Decide, mock.Anything, mock.Anything).Return(func(context.Context, activities.DecideInput) (activities.DecideResult, error) {
		if s.env.Now().Sub(s.postedAt) < 5*time.Minute { // Bytebase down for five minutes
			return activities.DecideResult{}, temporal.NewApplicationError("approve: 503 service unavailable", "BytebaseError")
		}
		decidedAt = s.env.Now()
		return activities.DecideResult{Outcome: activities.Applied, Issue: issue([]string{"roles/workspaceDBA"}, 1)}, nil
	})
	// Two refused clicks: two thread replies, the second queued behind the
	// first when alice's click starts waiting for Bytebase.
	s.click(time.Minute, "e1", Approve, 1, eve.SlackID)
	s.click(time.Minute+time.Second, "e2", Deny, 1, eve.SlackID)
	s.click(time.Minute+2*time.Second, "a1", Approve, 1, alice.SlackID)

	s.Equal(StatusApproved, s.run().Status)
	s.Require().Len(s.repliedAt, 3)
	s.Contains(s.replies[1], "<@UEVE>")
	s.Less(s.repliedAt[1], decidedAt, "the queued reply waited for Bytebase")
	s.Contains(s.replies[2], "Approved")
}

// While Bytebase keeps failing a decision, the card says so (buttons kept);
// the warning comes off when the call goes through.
func (s *approvalSuite) TestBytebaseTroubleShowsWhileRetried() {
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	failures := 5 // backoff 1+2+4+8+16 s: past troubleAfter
	s.env.OnActivity(a.Decide, mock.Anything, mock.Anything).Return(func(context.Context, activities.DecideInput) (activities.DecideResult, error) {
		if failures > 0 {
			failures--
			return activities.DecideResult{}, temporal.NewApplicationError("approve: 503 service unavailable", "BytebaseError")
		}
		return activities.DecideResult{Outcome: activities.Applied, Issue: issue([]string{"roles/workspaceDBA"}, 1)}, nil
	})
	s.click(time.Minute, "a1", Approve, 1, alice.SlackID)

	s.Equal(StatusApproved, s.run().Status)
	var shown *slackui.Card
	for i := range s.updates {
		if s.updates[i].Trouble != "" {
			shown = &s.updates[i]
			break
		}
	}
	s.Require().NotNil(shown, "the card never showed that Bytebase kept failing")
	s.Contains(shown.Trouble, "approving step 1 for alice@example.com")
	s.Equal(slackui.StatePending, shown.State, "a retried failure keeps the card open")
	s.False(shown.TroubleSince.IsZero())
	last := s.lastCard()
	s.Equal(slackui.StateApproved, last.State)
	s.Empty(last.Trouble)
}

// A quick answer leaves no warning and no timer behind.
func (s *approvalSuite) TestQuickDecisionShowsNoTrouble() {
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	s.decide(issue([]string{"roles/workspaceDBA"}, 1))
	s.click(time.Minute, "a1", Approve, 1, alice.SlackID)
	s.Equal(StatusApproved, s.run().Status)
	for _, c := range s.updates {
		s.Empty(c.Trouble)
	}
}

// The periodic re-read failing (every retry) is shown until a read works.
func (s *approvalSuite) TestFailingRereadShowsUntilARereadWorks() {
	s.policy.ReconcileEvery = time.Minute
	pending := issue([]string{"roles/workspaceDBA"}, 0)
	calls := 0
	var failUntil time.Time
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(func(context.Context, bytebase.IssueRef) (bytebase.Issue, error) {
		calls++
		if calls == 2 { // the first re-read fails for its whole budget
			failUntil = s.env.Now().Add(bytebaseBudget + time.Second)
		}
		if calls > 1 && s.env.Now().Before(failUntil) {
			return bytebase.Issue{}, temporal.NewApplicationError("read: connection refused", "BytebaseError")
		}
		return pending, nil
	})
	s.decide(issue([]string{"roles/workspaceDBA"}, 1))
	s.click(30*time.Minute, "a1", Approve, 1, alice.SlackID)

	s.Equal(StatusApproved, s.run().Status)
	s.Require().GreaterOrEqual(len(s.updates), 3)
	s.Equal(troubleRereading, s.updates[0].Trouble)
	s.Empty(s.updates[1].Trouble, "the next good read takes the warning off")
	s.Empty(s.lastCard().Trouble)
}

// A permission check that fails through a 30-second Bytebase outage is
// retried, shown on the card meanwhile, and the click then acts.
func (s *approvalSuite) TestAuthorizeRetriedThroughAnOutage() {
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	s.decide(issue([]string{"roles/workspaceDBA"}, 1))
	s.authorizeFailures = 5 // backoff 1+2+4+8+16 s
	s.click(time.Minute, "a1", Approve, 1, alice.SlackID)

	s.Equal(StatusApproved, s.run().Status)
	s.Zero(s.authorizeFailures)
	shown := false
	for _, c := range s.updates {
		shown = shown || strings.Contains(c.Trouble, "checking the permissions of alice@example.com")
	}
	s.True(shown, "the card never showed the permission check failing")
	s.Empty(s.lastCard().Trouble)
}
