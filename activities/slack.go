package activities

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/jitflow/jitflow/internal/slackui"
)

// CardRef locates a posted card.
type CardRef struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// cardEventType tags cards in Slack message metadata, so a card can be found
// again by workflow ID.
const cardEventType = "jitflow_card"

// PostCard posts the request card to card.Channel (SLACK_CHANNEL if empty).
func (a *Activities) PostCard(ctx context.Context, card slackui.Card) (CardRef, error) {
	target := card.Channel
	if target == "" {
		target = a.Channel
	}
	channel, ts, err := a.Slack.PostMessageContext(ctx, target,
		slack.MsgOptionText(slackui.CardText(card), false),
		slack.MsgOptionBlocks(slackui.CardBlocks(card)...),
		slack.MsgOptionMetadata(slack.SlackMetadata{
			EventType:    cardEventType,
			EventPayload: map[string]any{"workflow_id": card.WorkflowID},
		}),
	)
	if err != nil {
		return CardRef{}, slackFailure(fmt.Errorf("post card for %s to %s: %w", card.WorkflowID, target, err))
	}
	return CardRef{Channel: channel, TS: ts}, nil
}

// UpdateCardInput replaces a posted card's content.
type UpdateCardInput struct {
	Ref  CardRef      `json:"ref"`
	Card slackui.Card `json:"card"`
}

// UpdateCard edits the card in place with the full new content.
func (a *Activities) UpdateCard(ctx context.Context, in UpdateCardInput) error {
	_, _, _, err := a.Slack.UpdateMessageContext(ctx, in.Ref.Channel, in.Ref.TS,
		slack.MsgOptionText(slackui.CardText(in.Card), false),
		slack.MsgOptionBlocks(slackui.CardBlocks(in.Card)...),
	)
	if err != nil {
		return slackFailure(fmt.Errorf("update card %s in %s: %w", in.Ref.TS, in.Ref.Channel, err))
	}
	return nil
}

// ThreadReplyInput is one line of the audit thread under a card.
type ThreadReplyInput struct {
	Ref  CardRef `json:"ref"`
	Text string  `json:"text"` // mrkdwn, already escaped by slackui
}

// PostThreadReply adds a reply in the card's thread.
func (a *Activities) PostThreadReply(ctx context.Context, in ThreadReplyInput) error {
	_, _, err := a.Slack.PostMessageContext(ctx, in.Ref.Channel,
		slack.MsgOptionText(in.Text, false),
		slack.MsgOptionTS(in.Ref.TS),
	)
	if err != nil {
		return slackFailure(fmt.Errorf("reply under card %s: %w", in.Ref.TS, err))
	}
	return nil
}

// NotifyInput is a private message to one person in a channel.
type NotifyInput struct {
	Channel string `json:"channel"`
	UserID  string `json:"userId"`
	Text    string `json:"text"`
}

// NotifyUser tells one clicker privately what became of their click.
func (a *Activities) NotifyUser(ctx context.Context, in NotifyInput) error {
	if _, err := a.Slack.PostEphemeralContext(ctx, in.Channel, in.UserID, slack.MsgOptionText(in.Text, false)); err != nil {
		return slackFailure(fmt.Errorf("notify %s in %s: %w", in.UserID, in.Channel, err))
	}
	return nil
}

// LookupSlackUser resolves a Slack user ID to a name and email, server-side:
// nothing a click payload says about the clicker is trusted.
func (a *Activities) LookupSlackUser(ctx context.Context, userID string) (slackui.Person, error) {
	u, err := a.Slack.GetUserInfoContext(ctx, userID)
	if err != nil {
		return slackui.Person{}, slackFailure(fmt.Errorf("look up Slack user %s: %w", userID, err))
	}
	return person(u), nil
}

// Escalate posts the escalation notice to the escalation channel. Without an
// escalation channel there is nothing to post (the workflow still replies in
// the card's thread).
func (a *Activities) Escalate(ctx context.Context, card slackui.Card) error {
	if card.EscalatedTo.Channel == "" {
		return nil
	}
	text, blocks := slackui.EscalationMessage(card)
	if _, _, err := a.Slack.PostMessageContext(ctx, card.EscalatedTo.Channel,
		slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)); err != nil {
		return slackFailure(fmt.Errorf("escalate %s to %s: %w", card.WorkflowID, card.EscalatedTo.Channel, err))
	}
	return nil
}
