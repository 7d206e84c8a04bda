package activities

import (
	"context"
	"fmt"
	"maps"
	"slices"
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

// Metadata event types of the messages jitflow posts. A retried post finds
// the message an earlier attempt may have posted by its type and payload (see
// postOnce).
const (
	cardEventType       = "jitflow_card"       // payload: workflow_id
	replyEventType      = "jitflow_reply"      // payload: workflow_id, key
	escalationEventType = "jitflow_escalation" // payload: workflow_id, step
)

// How a retried post looks for the message an earlier attempt may have
// posted. The margin covers clock skew between Temporal and Slack; the page
// bound keeps a retry cheap in a busy channel or thread
// (conversations.history and conversations.replies are tier 3): a message
// with more than lookupPages×lookupLimit newer messages above it (older
// replies before it, in a thread) is not found, and is posted again.
const (
	lookupMargin = 2 * time.Minute
	lookupLimit  = 200
	lookupPages  = 3
)

// tag is the metadata a message is posted with, and by which a retry finds
// it again: its event type and every field of its payload must match.
type tag struct {
	eventType string
	payload   map[string]any
}

func (t tag) metadata() slack.SlackMetadata {
	return slack.SlackMetadata{EventType: t.eventType, EventPayload: t.payload}
}

// marks reports whether m carries t. Payload values compare by their text:
// a number comes back from Slack as a float64.
func (t tag) marks(m slack.Message) bool {
	if m.Metadata.EventType != t.eventType {
		return false
	}
	for k, want := range t.payload {
		got, ok := m.Metadata.EventPayload[k]
		if !ok || fmt.Sprint(got) != fmt.Sprint(want) {
			return false
		}
	}
	return true
}

// post is one message to post at most once.
type post struct {
	what    string // "card", "thread reply", "escalation": for logs
	desc    string // for errors, e.g. "card for jit/p/1"
	channel string
	thread  string // the parent's ts, for a thread reply
	tag     *tag   // nil: post without metadata and never look (not findable)
	options []slack.MsgOption
	// lookFirst: look even on the first attempt, because something before
	// this activity (the card fast path) may have posted; since, if set,
	// widens the lookup back to that time.
	lookFirst bool
	since     time.Time
}

// postOnce posts p and returns where it landed. chat.postMessage is not
// idempotent: an attempt that timed out may still have posted. So a retry
// first looks for the message by its tag (among the channel's messages, or
// the thread's replies) and returns it instead of posting a second one; the
// first attempt skips the lookup (unless p.lookFirst), as nothing can have
// been posted yet. The lookup is bounded by the activity's ScheduledTime
// (or p.since, if earlier), which for a regular activity is its first
// attempt's: run these as regular activities, not local ones, whose
// ScheduledTime is the current attempt's and would narrow the window past a
// message posted minutes earlier.
func (a *Activities) postOnce(ctx context.Context, p post) (CardRef, error) {
	if p.tag != nil && activity.IsActivity(ctx) {
		if info := activity.GetInfo(ctx); info.Attempt > 1 || p.lookFirst {
			since := info.ScheduledTime
			if !p.since.IsZero() && p.since.Before(since) {
				since = p.since
			}
			ref, found, err := a.findPosted(ctx, p, since)
			if err != nil {
				return CardRef{}, slackFailure(fmt.Errorf("look for an earlier %s in %s: %w", p.desc, p.channel, err))
			}
			if found {
				a.log().Info(p.what+" already posted by an earlier attempt", append(p.tag.logAttrs(),
					"channel", ref.Channel, "ts", ref.TS, "attempt", info.Attempt)...)
				return ref, nil
			}
		}
	}
	if a.Pacer != nil {
		if err := a.Pacer.WaitPost(ctx, p.channel); err != nil {
			return CardRef{}, fmt.Errorf("wait for a turn to post %s in %s: %w", p.desc, p.channel, err)
		}
	}
	return a.send(ctx, p)
}

// send posts p as it is: no lookup, no pacing.
func (a *Activities) send(ctx context.Context, p post) (CardRef, error) {
	opts := p.options
	if p.thread != "" {
		opts = append(opts, slack.MsgOptionTS(p.thread))
	}
	if p.tag != nil {
		opts = append(opts, slack.MsgOptionMetadata(p.tag.metadata()))
	}
	channel, ts, err := a.Slack.PostMessageContext(ctx, p.channel, opts...)
	if err != nil {
		return CardRef{}, slackFailure(fmt.Errorf("post %s to %s: %w", p.desc, p.channel, err))
	}
	return CardRef{Channel: channel, TS: ts}, nil
}

// findPosted looks for the message tagged like p among p.channel's messages
// (conversations.history, newest first) or, for a thread reply, among the
// thread's replies (conversations.replies, oldest first), posted since the
// activity was first scheduled, reading at most lookupPages pages.
func (a *Activities) findPosted(ctx context.Context, p post, scheduled time.Time) (CardRef, bool, error) {
	oldest := ""
	if !scheduled.IsZero() {
		oldest = slackTS(scheduled.Add(-lookupMargin))
	}
	var page func(cursor string) (msgs []slack.Message, hasMore bool, next string, err error)
	if p.thread == "" {
		params := &slack.GetConversationHistoryParameters{
			ChannelID: p.channel, Oldest: oldest, Limit: lookupLimit, IncludeAllMetadata: true,
		}
		page = func(cursor string) ([]slack.Message, bool, string, error) {
			params.Cursor = cursor
			res, err := a.Slack.GetConversationHistoryContext(ctx, params)
			if err != nil {
				return nil, false, "", err
			}
			return res.Messages, res.HasMore, res.ResponseMetaData.NextCursor, nil
		}
	} else {
		params := &slack.GetConversationRepliesParameters{
			ChannelID: p.channel, Timestamp: p.thread, Oldest: oldest, Limit: lookupLimit, IncludeAllMetadata: true,
		}
		page = func(cursor string) ([]slack.Message, bool, string, error) {
			params.Cursor = cursor
			return a.Slack.GetConversationRepliesContext(ctx, params)
		}
	}
	cursor := ""
	for range lookupPages {
		msgs, hasMore, next, err := page(cursor)
		if err != nil {
			return CardRef{}, false, err
		}
		for _, m := range msgs {
			if p.tag.marks(m) {
				return CardRef{Channel: p.channel, TS: m.Timestamp}, true, nil
			}
		}
		if !hasMore || next == "" {
			return CardRef{}, false, nil
		}
		cursor = next
	}
	a.log().Warn(p.what+" lookup stopped at its page limit; posting may duplicate it",
		append(p.tag.logAttrs(), "channel", p.channel, "pages", lookupPages)...)
	return CardRef{}, false, nil
}

// logAttrs are the tag's payload as log attributes, in a stable order.
func (t tag) logAttrs() []any {
	var attrs []any
	for _, k := range slices.Sorted(maps.Keys(t.payload)) {
		attrs = append(attrs, k, t.payload[k])
	}
	return attrs
}

// PostCard posts the request card to card.Channel (SLACK_CHANNEL if empty),
// once: a retry returns the card an earlier attempt posted (see postOnce).
// Requests recorded before the card fast path call it; newer ones call
// PostCardNow, then PostCardOnce.
func (a *Activities) PostCard(ctx context.Context, card slackui.Card) (CardRef, error) {
	return a.postOnce(ctx, a.cardPost(card))
}

// PostCardInput is a card to post through its channel's queue.
type PostCardInput struct {
	Card slackui.Card `json:"card"`
	// LookFirst: the fast path may already have posted this card (its
	// attempt failed, or the workflow task that ran it was lost), so even
	// the first attempt looks for it, back to Since (the request's start).
	LookFirst bool      `json:"lookFirst,omitempty"`
	Since     time.Time `json:"since,omitzero"`
}

// PostCardOnce posts the card through its channel's queue, once, like
// PostCard; with LookFirst it looks for the card before its first attempt.
func (a *Activities) PostCardOnce(ctx context.Context, in PostCardInput) (CardRef, error) {
	p := a.cardPost(in.Card)
	p.lookFirst, p.since = in.LookFirst, in.Since
	return a.postOnce(ctx, p)
}

// FastPost is what PostCardNow did: posted the card, or left it to the
// channel's queue.
type FastPost struct {
	Posted bool    `json:"posted"`
	Ref    CardRef `json:"ref,omitzero"`
}

// fastPostWait is how long the card fast path waits for its channel's turn
// before leaving the card to the channel's queue, whose dispatch takes
// longer than that (tens of milliseconds).
const fastPostWait = 25 * time.Millisecond

// PostCardNow is the card fast path, a local activity in the workflow task
// that starts the request: it posts the card if this process holds the
// Slack lease and the channel has a turn free now or within fastPostWait
// (see slackgov), and otherwise posts nothing and says so. It makes one attempt and never looks
// for an earlier card: the workflow runs it only in a run's first workflow
// task, and sends the card through the queue with LookFirst if it fails.
func (a *Activities) PostCardNow(ctx context.Context, card slackui.Card) (FastPost, error) {
	p := a.cardPost(card)
	if a.Pacer == nil || !a.Pacer.TryPost(ctx, p.channel, fastPostWait) {
		return FastPost{}, nil
	}
	ref, err := a.send(ctx, p)
	if err != nil {
		return FastPost{}, err
	}
	return FastPost{Posted: true, Ref: ref}, nil
}

// cardPost is the post of card, to card.Channel or else SLACK_CHANNEL.
func (a *Activities) cardPost(card slackui.Card) post {
	target := card.Channel
	if target == "" {
		target = a.Channel
	}
	return post{
		what:    "card",
		desc:    "card for " + card.WorkflowID,
		channel: target,
		tag:     &tag{eventType: cardEventType, payload: map[string]any{"workflow_id": card.WorkflowID}},
		options: []slack.MsgOption{
			slack.MsgOptionText(slackui.CardText(card), false),
			slack.MsgOptionBlocks(slackui.CardBlocks(card)...),
		},
	}
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
	// Key is unique among the workflow's replies (say "reply-3"). With it a
	// reply is posted once even across retries (see postOnce); without it
	// (requests started before keys existed) a retry may post it twice.
	Key string `json:"key,omitempty"`
}

// PostThreadReply adds a reply in the card's thread. A keyed reply carries
// the workflow ID and key in its metadata, by which a retry finds it.
func (a *Activities) PostThreadReply(ctx context.Context, in ThreadReplyInput) error {
	p := post{
		what:    "thread reply",
		desc:    "reply under card " + in.Ref.TS,
		channel: in.Ref.Channel,
		thread:  in.Ref.TS,
		options: []slack.MsgOption{slack.MsgOptionText(in.Text, false)},
	}
	if in.Key != "" {
		payload := map[string]any{"key": in.Key}
		if activity.IsActivity(ctx) {
			payload["workflow_id"] = activity.GetInfo(ctx).WorkflowExecution.ID
		}
		p.tag = &tag{eventType: replyEventType, payload: payload}
	}
	_, err := a.postOnce(ctx, p)
	return err
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

// Escalate posts the escalation notice to the escalation channel, once per
// step: a retry finds the notice an earlier attempt posted (see postOnce).
// Without an escalation channel there is nothing to post (the workflow still
// replies in the card's thread).
func (a *Activities) Escalate(ctx context.Context, card slackui.Card) error {
	if card.EscalatedTo.Channel == "" {
		return nil
	}
	text, blocks := slackui.EscalationMessage(card)
	_, err := a.postOnce(ctx, post{
		what:    "escalation",
		desc:    "escalation of " + card.WorkflowID,
		channel: card.EscalatedTo.Channel,
		tag:     &tag{eventType: escalationEventType, payload: map[string]any{"workflow_id": card.WorkflowID, "step": card.Step}},
		options: []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)},
	})
	return err
}
