package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"go.temporal.io/sdk/activity"

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

// How a retried PostCard looks for the card an earlier attempt may have
// posted. The margin covers clock skew between Temporal and Slack; the page
// bound keeps a retry cheap in a busy channel (conversations.history is tier
// 3): a card with more than cardLookupPages×cardLookupLimit newer messages
// above it is not found, and is posted again.
const (
	cardLookupMargin = 2 * time.Minute
	cardLookupLimit  = 200
	cardLookupPages  = 3
)

// PostCard posts the request card to card.Channel (SLACK_CHANNEL if empty).
// chat.postMessage is not idempotent: an attempt that timed out may still
// have posted. So a retry first looks for the card by its metadata and
// returns it instead of posting a second one; the first attempt skips the
// lookup, as nothing can have been posted yet. Run it as a regular activity:
// a local activity's ScheduledTime is its current attempt's, which would
// narrow the lookup window past a card posted minutes earlier.
func (a *Activities) PostCard(ctx context.Context, card slackui.Card) (CardRef, error) {
	target := card.Channel
	if target == "" {
		target = a.Channel
	}
	if activity.IsActivity(ctx) {
		if info := activity.GetInfo(ctx); info.Attempt > 1 {
			ref, found, err := a.findCard(ctx, target, card.WorkflowID, info.ScheduledTime)
			if err != nil {
				return CardRef{}, slackFailure(fmt.Errorf("look for an earlier card for %s in %s: %w", card.WorkflowID, target, err))
			}
			if found {
				a.log().Info("card already posted by an earlier attempt", "workflow_id", card.WorkflowID,
					"channel", ref.Channel, "ts", ref.TS, "attempt", info.Attempt)
				return ref, nil
			}
		}
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

// findCard looks for the card of workflowID among channel's messages posted
// since the activity was first scheduled, newest first, reading at most
// cardLookupPages pages.
func (a *Activities) findCard(ctx context.Context, channel, workflowID string, scheduled time.Time) (CardRef, bool, error) {
	params := &slack.GetConversationHistoryParameters{
		ChannelID:          channel,
		Limit:              cardLookupLimit,
		IncludeAllMetadata: true,
	}
	if !scheduled.IsZero() {
		params.Oldest = slackTS(scheduled.Add(-cardLookupMargin))
	}
	for range cardLookupPages {
		page, err := a.Slack.GetConversationHistoryContext(ctx, params)
		if err != nil {
			return CardRef{}, false, err
		}
		for _, m := range page.Messages {
			if m.Metadata.EventType == cardEventType && m.Metadata.EventPayload["workflow_id"] == workflowID {
				return CardRef{Channel: channel, TS: m.Timestamp}, true, nil
			}
		}
		if !page.HasMore || page.ResponseMetaData.NextCursor == "" {
			return CardRef{}, false, nil
		}
		params.Cursor = page.ResponseMetaData.NextCursor
	}
	a.log().Warn("card lookup stopped at its page limit; posting may duplicate the card",
		"workflow_id", workflowID, "channel", channel, "pages", cardLookupPages)
	return CardRef{}, false, nil
}

// slackTS renders t as a Slack message timestamp (seconds.microseconds).
func slackTS(t time.Time) string {
	us := t.UnixMicro()
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
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
