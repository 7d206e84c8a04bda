// Package activities is the workflows' only way out to the world: thin
// methods on a struct holding the Bytebase and Slack clients. Each method is
// safe to retry; the workflow sets the retry policies.
package activities

import (
	"context"
	"log/slog"

	"github.com/slack-go/slack"

	"github.com/jitflow/jitflow/internal/bytebase"
)

// IssueAPI is the part of the Bytebase client the activities use.
type IssueAPI interface {
	GetIssue(ctx context.Context, ref bytebase.IssueRef) (bytebase.Issue, error)
	Approve(ctx context.Context, ref bytebase.IssueRef, comment string) (bytebase.Issue, error)
	Reject(ctx context.Context, ref bytebase.IssueRef, comment string) (bytebase.Issue, error)
}

// Chat is the part of the Slack Web API client the activities use.
type Chat interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
}

// Activities holds the clients. Register a *Activities with the worker; the
// workflow calls its methods by reference.
type Activities struct {
	Bytebase IssueAPI
	// ServiceAccount is the email jitflow acts as in Bytebase; it tells our
	// own earlier approval apart from someone else's.
	ServiceAccount string
	Slack          Chat
	// Channel is where cards go (SLACK_CHANNEL).
	Channel string
	Logger  *slog.Logger
}

func (a *Activities) log() *slog.Logger {
	if a.Logger == nil {
		return slog.Default()
	}
	return a.Logger
}
