package workflows

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/policy"
	"github.com/jitflow/jitflow/internal/slackui"
)

func (s *approvalSuite) TestReminderThenApprove() {
	s.policy.RemindAfter = 15 * time.Minute
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	s.decide(issue([]string{"roles/workspaceDBA"}, 1))
	var remindedAt time.Time
	s.env.RegisterDelayedCallback(func() {
		remindedAt = s.env.Now()
	}, 16*time.Minute)
	s.click(20*time.Minute, "a1", Approve, 1, alice.SlackID)

	s.Equal(StatusApproved, s.run().Status)
	s.Require().Len(s.updates, 2, "reminded, then approved")
	s.False(s.updates[0].RemindedAt.IsZero())
	s.True(s.updates[0].RemindedAt.Before(remindedAt), "reminder fires at 15m")
	s.Equal(slackui.StatePending, s.updates[0].State)
	s.Require().NotEmpty(s.replies)
	s.Contains(s.replies[0], "<@UALICE>", "the reminder mentions the step's approvers")
	s.Len(s.dms, 2, "posted and approved DMs to the requester")
	// Every reply is keyed, so a retried post finds the one Slack took.
	s.Require().Len(s.replyKeys, len(s.replies))
	runID, _, _ := strings.Cut(s.replyKeys[0], "/")
	s.NotEmpty(runID)
	for i, k := range s.replyKeys {
		s.Equal(fmt.Sprintf("%s/%d", runID, i+1), k, "reply %d", i)
	}
}

func (s *approvalSuite) TestEscalationThenDenyWithReason() {
	s.policy.RemindAfter, s.policy.EscalateAfter = 10*time.Minute, 30*time.Minute
	s.policy.RequireDenyReason = true
	s.policy.EscalateTo = policy.Escalation{Channel: "C0ONCALL", Usergroup: "@db-oncall", Users: []string{"U0LEAD"}}
	s.policy.UsergroupID = "S0ONCALL"
	pending := issue([]string{"roles/workspaceDBA"}, 0)
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(pending, nil)
	var escalated slackui.Card
	s.env.OnActivity(a.Escalate, mock.Anything, mock.Anything).Return(func(_ context.Context, c slackui.Card) error {
		escalated = c
		return nil
	}).Once()
	s.decide(rejected(pending))
	// A deny without a reason is refused when the policy requires one.
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(SignalClick, Click{ID: "d0", Decision: Deny, Step: 1, UserID: alice.SlackID, Channel: card.Channel})
	}, 35*time.Minute)
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(SignalClick, Click{ID: "d1", Decision: Deny, Step: 1, UserID: alice.SlackID, Channel: card.Channel, Reason: "Use the read replica"})
	}, 40*time.Minute)

	s.Equal(StatusDenied, s.run().Status)
	s.Equal("C0ONCALL", escalated.EscalatedTo.Channel)
	s.Equal("S0ONCALL", escalated.EscalatedTo.UsergroupID)
	s.Equal([]string{"U0LEAD"}, escalated.EscalatedTo.Users)
	s.Require().Len(s.decided, 1)
	s.False(s.decided[0].Approve)
	s.Contains(s.decided[0].Comment, "Reason: Use the read replica")
	c := s.lastCard()
	s.Equal(slackui.StateDenied, c.State)
	s.Equal("Use the read replica", c.DenyReason)
	s.False(c.EscalatedAt.IsZero())
	s.Contains(s.notes[0].Text, "A reason is required")
	s.Contains(s.dms[len(s.dms)-1], "Use the read replica", "the requester's DM carries the reason")
}

func (s *approvalSuite) TestExpiryRejectsAndCancels() {
	s.policy.ExpireAfter, s.policy.OnExpire = 2*time.Hour, policy.OnExpireRejectAndCancel
	s.policy.RemindAfter, s.policy.EscalateAfter = 15*time.Minute, 30*time.Minute
	pending := issue([]string{"roles/workspaceDBA"}, 0)
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(pending, nil)
	s.env.OnActivity(a.Escalate, mock.Anything, mock.Anything).Return(nil).Never() // no escalation channel: nothing to post
	s.decide(rejected(pending))
	var canceled activities.CancelInput
	s.env.OnActivity(a.Cancel, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.CancelInput) error {
		canceled = in
		return nil
	}).Once()

	start := s.env.Now()
	r := s.run()
	s.Equal(StatusExpired, r.Status)
	s.Equal(2*time.Hour, s.env.Now().Sub(start).Round(time.Minute))
	s.Require().Len(s.decided, 1)
	s.False(s.decided[0].Approve)
	s.Contains(s.decided[0].Comment, "No decision within 2h; denied automatically")
	s.Contains(canceled.Reason, "No decision within 2h")
	c := s.lastCard()
	s.Equal(slackui.StateExpired, c.State)
	s.Contains(c.ExpiryNote, "No decision within 2h")
	s.Contains(s.dms[len(s.dms)-1], "No decision within 2h")
}

func (s *approvalSuite) TestApprovedInBytebaseBeforeAnyClick() {
	s.policy.ReconcileEvery = time.Minute
	pending := issue([]string{"roles/workspaceDBA"}, 0)
	done := issue([]string{"roles/workspaceDBA"}, 1)
	done.Approvers[0].Principal = "dba@example.com"
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(pending, nil).Times(3)
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(done, nil)

	start := s.env.Now()
	r := s.run()
	s.Equal(StatusDecidedInBytebase, r.Status)
	s.Equal("dba@example.com", r.Decider.Email)
	s.Less(s.env.Now().Sub(start), 4*time.Minute, "noticed within the reconcile interval (plus jitter)")
	c := s.lastCard()
	s.Equal(slackui.StateDecidedInBytebase, c.State)
	s.Equal("approved", c.DecidedInBytebase)
	s.env.AssertNotCalled(s.T(), "Decide", mock.Anything, mock.Anything)
}

func (s *approvalSuite) TestClickRacingExpiryHasOneOutcome() {
	s.policy.ExpireAfter = time.Hour
	pending := issue([]string{"roles/workspaceDBA"}, 0)
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(pending, nil)
	// Whichever wins, Bytebase sees exactly one decision.
	s.env.OnActivity(a.Decide, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.DecideInput) (activities.DecideResult, error) {
		s.decided = append(s.decided, in)
		if in.Approve {
			return activities.DecideResult{Outcome: activities.Applied, Issue: issue([]string{"roles/workspaceDBA"}, 1)}, nil
		}
		return activities.DecideResult{Outcome: activities.Applied, Issue: rejected(pending)}, nil
	})
	s.click(time.Hour, "a1", Approve, 1, alice.SlackID)

	r := s.run()
	s.Contains([]Status{StatusApproved, StatusExpired}, r.Status)
	s.Len(s.decided, 1, "exactly one outcome is applied")
	s.Require().NotEmpty(s.notes)
	if r.Status == StatusExpired {
		s.Contains(s.notes[0].Text, "no longer waiting")
	}
}

func (s *approvalSuite) TestNotifyOnlyHasNoButtonsAndStillReconciles() {
	s.policy.ApprovalMode = policy.ModeNotifyOnly
	pending := issue([]string{"roles/workspaceDBA"}, 0)
	done := rejected(pending)
	done.Approvers[0].Principal = "dba@example.com"
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(pending, nil).Once()
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(done, nil)
	s.click(time.Minute, "a1", Approve, 1, alice.SlackID) // a forged or stale button
	s.env.RegisterDelayedCallback(func() { s.env.SignalWorkflow(SignalHint, Hint{Event: "Issue sent back"}) }, 2*time.Minute)

	r := s.run()
	s.Require().Len(s.posted, 1)
	s.Equal(policy.ModeNotifyOnly, s.posted[0].Mode)
	s.Equal(StatusDecidedInBytebase, r.Status)
	s.Equal("rejected", s.lastCard().DecidedInBytebase)
	s.env.AssertNotCalled(s.T(), "Decide", mock.Anything, mock.Anything)
	s.Contains(s.notes[0].Text, "decided in Bytebase")
}

func (s *approvalSuite) TestStepAdvanceRestartsReminder() {
	roles := []string{"roles/projectOwner", "roles/workspaceDBA"}
	s.policy.RemindAfter = 15 * time.Minute
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue(roles, 0), nil)
	s.decide(issue(roles, 1), issue(roles, 2))
	s.click(10*time.Minute, "b1", Approve, 1, bob.SlackID)   // before step 1's reminder
	s.click(30*time.Minute, "a2", Approve, 2, alice.SlackID) // step 2's reminder fired at 25m

	s.Equal(StatusApproved, s.run().Status)
	reminders := 0
	for _, r := range s.replies {
		if strings.Contains(r, "Still waiting") {
			reminders++
		}
	}
	s.Equal(1, reminders, "step 1's reminder was canceled by the approval; step 2's fired once")
}

func (s *approvalSuite) TestContinueAsNewCarriesTheRequest() {
	roles := []string{"roles/workspaceDBA"}
	// No GetIssue mock: the carried state must be enough.
	s.decide(issue(roles, 1))
	s.click(time.Minute, "a1", Approve, 1, alice.SlackID)
	s.click(2*time.Minute, "seen-before", Approve, 1, bob.SlackID) // replay of a click handled before
	c := newCard("jit/project-sample/123", issue(roles, 0), quietPolicy())
	c.Channel = card.Channel
	in := ApprovalInput{Issue: ref, Carried: &Carried{
		Issue: issue(roles, 0), Policy: quietPolicy(), Card: c, Posted: card, Seen: []string{"seen-before"},
	}}
	s.env.ExecuteWorkflow(ApprovalWorkflow, in)
	s.Require().NoError(s.env.GetWorkflowError())
	var r Result
	s.Require().NoError(s.env.GetWorkflowResult(&r))
	s.Equal(StatusApproved, r.Status)
	s.Len(s.decided, 1)
	s.env.AssertNotCalled(s.T(), "PostCard", mock.Anything, mock.Anything)
}

func (s *approvalSuite) TestLongWaitContinuesAsNew() {
	old := maxWaits
	maxWaits = 5
	defer func() { maxWaits = old }()
	s.policy.ReconcileEvery = time.Minute
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	s.env.ExecuteWorkflow(ApprovalWorkflow, ApprovalInput{Issue: ref})
	s.Require().True(s.env.IsWorkflowCompleted())
	err := s.env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	s.Require().ErrorAs(err, &can)
}

func (s *approvalSuite) TestCardEditsCoalesceToTheLatestState() {
	s.policy.RemindAfter, s.policy.EscalateAfter = time.Minute, time.Minute+time.Second
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	s.env.OnActivity(a.Escalate, mock.Anything, mock.Anything).Return(nil).Never() // no escalation channel: nothing to post
	s.decide(issue([]string{"roles/workspaceDBA"}, 1))
	// Slack refuses the first edits (say, 429s): the activity retries with
	// backoff (1 s, 2 s, 4 s) while the request moves on.
	s.failUpdates = 3
	s.click(time.Minute+2*time.Second, "a1", Approve, 1, alice.SlackID)

	s.Equal(StatusApproved, s.run().Status)
	// reminded (sent at once), then escalated and approved arrive while it is
	// in flight: only the newest of them is sent.
	s.Require().Len(s.updates, 2)
	s.False(s.updates[0].RemindedAt.IsZero())
	s.Equal(slackui.StateApproved, s.updates[1].State)
	s.False(s.updates[1].EscalatedAt.IsZero(), "the latest card carries every earlier change")
}
