// Package activities is the workflows' only way out to the world: thin
// methods on a struct holding the Bytebase and Slack clients. Each method is
// safe to retry; the workflow sets the retry policies.
package activities

import (
	"context"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/policy"
)

// IssueAPI is the part of the Bytebase client the activities use.
type IssueAPI interface {
	GetIssue(ctx context.Context, ref bytebase.IssueRef) (bytebase.Issue, error)
	Approve(ctx context.Context, ref bytebase.IssueRef, comment string) (bytebase.Issue, error)
	Reject(ctx context.Context, ref bytebase.IssueRef, comment string) (bytebase.Issue, error)
	Cancel(ctx context.Context, ref bytebase.IssueRef, reason string) error
	ProjectIAMPolicy(ctx context.Context, project string) (bytebase.IAMPolicy, error)
	WorkspaceIAMPolicy(ctx context.Context) (bytebase.IAMPolicy, error)
	GroupMembers(ctx context.Context, group string) ([]string, error)
}

// Chat is the part of the Slack Web API client the activities use.
type Chat interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	GetUserByEmailContext(ctx context.Context, email string) (*slack.User, error)
	GetUserGroupsContext(ctx context.Context, options ...slack.GetUserGroupsOption) ([]slack.UserGroup, error)
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
	GetUserGroupMembersContext(ctx context.Context, userGroup string, options ...slack.GetUserGroupMembersOption) ([]string, error)
	GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
	GetConversationRepliesContext(ctx context.Context, params *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error)
}

// Pacer hands out turns to post in a channel (*slackgov.Governor).
type Pacer interface {
	// TryPost takes channel's turn if it is free within the given time,
	// waiting for it.
	TryPost(ctx context.Context, channel string, within time.Duration) bool
	// WaitPost waits for channel's next turn.
	WaitPost(ctx context.Context, channel string) error
}

// Activities holds the clients. Register a *Activities with the worker; the
// workflow calls its methods by reference.
type Activities struct {
	Bytebase IssueAPI
	// ServiceAccount is the email jitflow acts as in Bytebase; it tells our
	// own earlier approval apart from someone else's.
	ServiceAccount string
	Slack          Chat
	// Channel is where cards go unless the policy names another (SLACK_CHANNEL).
	Channel string
	Logger  *slog.Logger

	// Request settings (see RequestPolicy).
	Policy         *policy.Policy
	IssueTypes     []string // JIT_ISSUE_TYPES
	Projects       []string // JIT_PROJECTS; empty: all
	ReconcileEvery time.Duration

	// Who may decide (see Authorize).
	Authz     string   // JIT_AUTHZ: authz.ModeBytebase (default) or authz.ModeAllowlist
	Approvers []string // JIT_APPROVERS: Slack user IDs and @usergroup handles

	// Search and Requests serve the poller (PollPending, poll.go).
	Search   IssueSearch
	Requests RequestStarter
	poll     pollMemory

	// Pacer paces posts to channels within this process and knows whether
	// it holds the Slack lease (see slackgov). Nil: posts are not paced here
	// and cards never take the fast path.
	Pacer Pacer

	people personCache // email → Slack person (FindSlackUser)
}

func (a *Activities) log() *slog.Logger {
	if a.Logger == nil {
		return slog.Default()
	}
	return a.Logger
}
