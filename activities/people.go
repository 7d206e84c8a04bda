package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/jitflow/jitflow/internal/authz"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/slackui"
)

// maxApproverMentions bounds how many people a reminder mentions.
const maxApproverMentions = 10

// FindSlackUser looks a person up by email. A person without a Slack
// account is not an error: found is false. Answers are cached for a while
// (see personCache).
func (a *Activities) FindSlackUser(ctx context.Context, email string) (slackui.Person, error) {
	if p, ok := a.people.get(email); ok {
		return p, nil
	}
	u, err := a.Slack.GetUserByEmailContext(ctx, email)
	var p slackui.Person
	switch {
	case isNoSuchUser(err):
		p = slackui.Person{Email: email}
	case err != nil:
		return slackui.Person{}, slackFailure(fmt.Errorf("look up %s in Slack: %w", email, err))
	case u.Deleted:
		p = slackui.Person{Email: email}
	default:
		p = person(u)
	}
	a.people.put(email, p)
	return p, nil
}

// DMInput is a direct message to someone known by email.
type DMInput struct {
	Email string `json:"email"`
	Text  string `json:"text"` // mrkdwn, escaped by slackui
}

// DMResult says whether the message was delivered; Sent is false when the
// person has no Slack account.
type DMResult struct {
	Sent bool `json:"sent"`
}

// DM sends a direct message. Someone without a Slack account is skipped
// with a log line: the request itself must not fail for it.
func (a *Activities) DM(ctx context.Context, in DMInput) (DMResult, error) {
	who, err := a.FindSlackUser(ctx, in.Email)
	if err != nil {
		return DMResult{}, err
	}
	if who.SlackID == "" {
		a.log().Info("no Slack account for this email; direct message skipped", "email", in.Email)
		return DMResult{}, nil
	}
	ch, _, _, err := a.Slack.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{who.SlackID}, ReturnIM: true})
	if err != nil {
		return DMResult{}, slackFailure(fmt.Errorf("open a DM with %s: %w", who.SlackID, err))
	}
	if _, _, err := a.Slack.PostMessageContext(ctx, ch.ID, slack.MsgOptionText(in.Text, false)); err != nil {
		return DMResult{}, slackFailure(fmt.Errorf("DM %s: %w", who.SlackID, err))
	}
	return DMResult{Sent: true}, nil
}

// StepApprovers are the people who could approve the issue's pending step in
// Bytebase (holders of its role in the project or workspace IAM policy,
// expired bindings excluded), found in Slack by email. The requester is left
// out. People without a Slack account are listed by email.
func (a *Activities) StepApprovers(ctx context.Context, is bytebase.Issue) ([]slackui.Person, error) {
	role := is.PendingRole()
	if role == "" {
		return nil, nil
	}
	project, err := a.Bytebase.ProjectIAMPolicy(ctx, is.Ref.Project)
	if err != nil {
		return nil, bytebaseFailure(fmt.Errorf("project IAM policy of %s: %w", is.Ref.Project, err))
	}
	workspace, err := a.Bytebase.WorkspaceIAMPolicy(ctx)
	if err != nil {
		return nil, bytebaseFailure(fmt.Errorf("workspace IAM policy: %w", err))
	}
	holders := authz.RoleHolders(role, time.Now(), project, workspace)
	var out []slackui.Person
	for _, email := range holders.Users {
		if len(out) == maxApproverMentions {
			break
		}
		if equalFoldEmail(email, is.Requester) || equalFoldEmail(email, a.ServiceAccount) {
			continue
		}
		p, err := a.FindSlackUser(ctx, email)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func person(u *slack.User) slackui.Person {
	name := u.RealName
	if name == "" {
		name = u.Profile.RealName
	}
	if name == "" {
		name = u.Name
	}
	return slackui.Person{SlackID: u.ID, Name: name, Email: u.Profile.Email}
}

func isNoSuchUser(err error) bool {
	var api slack.SlackErrorResponse
	return errors.As(err, &api) && (api.Err == "users_not_found" || api.Err == "user_not_found")
}
