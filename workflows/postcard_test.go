package workflows

import (
	"errors"
	"time"

	"github.com/stretchr/testify/mock"
)

// The card fast path (postCard). SetupTest puts the post in the first
// workflow task, where PostCardNow posts the card.

// approveAndRun lets the request be approved a minute in and runs it.
func (s *approvalSuite) approveAndRun() {
	s.env.OnActivity(a.GetIssue, mock.Anything, ref).Return(issue([]string{"roles/workspaceDBA"}, 0), nil)
	s.decide(issue([]string{"roles/workspaceDBA"}, 1))
	s.click(time.Minute, "a1", Approve, 1, alice.SlackID)
	s.Equal(StatusApproved, s.run().Status)
	s.Len(s.posted, 1, "one card per request")
}

func (s *approvalSuite) TestCardPostedFromTheFirstTask() {
	s.approveAndRun()
	s.env.AssertNumberOfCalls(s.T(), "PostCardNow", 1)
	s.Empty(s.queuedPosts, "the card also went through the channel's queue")
}

// No free turn (or not the lease holder): nothing was posted, so the queue
// posts without looking first.
func (s *approvalSuite) TestCardWithNoFreeTurnWaitsInTheQueue() {
	s.fastDeclines = true
	s.approveAndRun()
	s.Require().Len(s.queuedPosts, 1)
	s.False(s.queuedPosts[0].LookFirst, "a declined fast post posted nothing; no lookup needed")
	s.Equal(ref.Number, s.queuedPosts[0].Card.IssueNumber)
}

// A failed fast post may have reached Slack: the queued post looks first,
// back to the request's start.
func (s *approvalSuite) TestFailedFastPostIsLookedForBeforeTheQueuePosts() {
	s.fastErr = errors.New("post card: context deadline exceeded")
	s.approveAndRun()
	s.Require().Len(s.queuedPosts, 1)
	s.True(s.queuedPosts[0].LookFirst)
	s.False(s.queuedPosts[0].Since.IsZero(), "no lower bound for the lookup")
	s.False(s.queuedPosts[0].Since.After(s.postedAt))
}

// A later workflow task may be the retry of a lost first one that posted the
// card: no fast path, and the queue looks first.
func (s *approvalSuite) TestLaterTaskNeverPostsAtOnce() {
	s.env.SetCurrentHistoryLength(firstTaskStarted + 3) // WorkflowTaskTimedOut, Scheduled, Started
	s.approveAndRun()
	s.env.AssertNotCalled(s.T(), "PostCardNow")
	s.Require().Len(s.queuedPosts, 1)
	s.True(s.queuedPosts[0].LookFirst)
}
