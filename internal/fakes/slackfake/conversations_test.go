package slackfake

import (
	"slices"
	"testing"

	"github.com/slack-go/slack"
)

func TestDMs(t *testing.T) {
	f, api := newFake(t)
	ch, noOp, already, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{alice.ID}})
	if err != nil || ch.ID == "" || ch.ID[0] != 'D' || noOp || already {
		t.Fatalf("open = %+v %v %v %v", ch, noOp, already, err)
	}
	again, _, already, _ := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{alice.ID}})
	if again.ID != ch.ID || !already {
		t.Errorf("reopen gave %s (already_open %v)", again.ID, already)
	}
	if _, _, err := api.PostMessage(ch.ID, slack.MsgOptionText("your request was approved", false)); err != nil {
		t.Fatal(err)
	}
	// Slack also takes a user ID as the channel of their DM.
	if ch2, _, err := api.PostMessage(alice.ID, slack.MsgOptionText("second", false)); err != nil || ch2 != ch.ID {
		t.Fatalf("post to user ID: %s, %v", ch2, err)
	}
	dms := f.DMs(alice.ID)
	if len(dms) != 2 || dms[0].Text != "your request was approved" || dms[1].Channel != ch.ID {
		t.Errorf("DMs = %+v", dms)
	}
	if f.DMs(dana.ID) != nil {
		t.Error("dana has DMs")
	}
	_, _, _, err = api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U0NOBODY"}})
	wantSlackError(t, err, "user_not_found")
}

func TestHistory(t *testing.T) {
	_, api := newFake(t)
	meta := slack.SlackMetadata{EventType: "jit_request", EventPayload: map[string]any{"wf": "jit/p/1"}}
	_, first, _ := api.PostMessage("C1", slack.MsgOptionText("card 1", false), slack.MsgOptionMetadata(meta))
	api.PostMessage("C1", slack.MsgOptionText("reply", false), slack.MsgOptionTS(first))
	api.PostMessage("C1", slack.MsgOptionText("card 2", false))
	api.PostMessage("C1", slack.MsgOptionText("card 3", false))
	api.PostMessage("C2", slack.MsgOptionText("other channel", false))

	res, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1", IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range res.Messages {
		texts = append(texts, m.Text)
	}
	if len(texts) != 3 || texts[0] != "card 3" || texts[2] != "card 1" || res.HasMore {
		t.Errorf("history = %q (has_more %v)", texts, res.HasMore)
	}
	if got := res.Messages[2].Metadata; got.EventType != "jit_request" || got.EventPayload["wf"] != "jit/p/1" {
		t.Errorf("metadata = %+v", got)
	}

	res, _ = api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1"})
	if res.Messages[2].Metadata.EventType != "" {
		t.Error("metadata without include_all_metadata")
	}

	// Paging: two, then the last one.
	res, _ = api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 2})
	if len(res.Messages) != 2 || !res.HasMore || res.ResponseMetaData.NextCursor == "" {
		t.Fatalf("page 1 = %d messages, has_more %v", len(res.Messages), res.HasMore)
	}
	res, _ = api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 2, Cursor: res.ResponseMetaData.NextCursor})
	if len(res.Messages) != 1 || res.Messages[0].Text != "card 1" || res.HasMore {
		t.Errorf("page 2 = %+v", res.Messages)
	}
}

func TestReplies(t *testing.T) {
	_, api := newFake(t)
	meta := slack.SlackMetadata{EventType: "jit_reply", EventPayload: map[string]any{"key": "reply-1"}}
	_, card, _ := api.PostMessage("C1", slack.MsgOptionText("card", false))
	_, r1, _ := api.PostMessage("C1", slack.MsgOptionText("reply 1", false), slack.MsgOptionTS(card), slack.MsgOptionMetadata(meta))
	_, other, _ := api.PostMessage("C1", slack.MsgOptionText("other card", false))
	api.PostMessage("C1", slack.MsgOptionText("other thread", false), slack.MsgOptionTS(other))
	_, r2, _ := api.PostMessage("C1", slack.MsgOptionText("reply 2", false), slack.MsgOptionTS(card))
	_, r3, _ := api.PostMessage("C1", slack.MsgOptionText("reply 3", false), slack.MsgOptionTS(r1)) // joins card's thread
	api.PostMessage("C2", slack.MsgOptionText("elsewhere", false))

	texts := func(msgs []slack.Message) []string {
		var out []string
		for _, m := range msgs {
			out = append(out, m.Text)
		}
		return out
	}
	msgs, more, next, err := api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: card, IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(msgs); !slices.Equal(got, []string{"card", "reply 1", "reply 2", "reply 3"}) || more || next != "" {
		t.Fatalf("replies = %q (has_more %v, cursor %q), want the parent then its replies, oldest first", got, more, next)
	}
	head := msgs[0]
	if head.ThreadTimestamp != card || head.ReplyCount != 3 || head.LatestReply != r3 || !slices.Equal(head.ReplyUsers, []string{BotUserID}) {
		t.Errorf("parent = %+v, want its thread summary", head.Msg)
	}
	if m := msgs[1]; m.ThreadTimestamp != card || m.ParentUserId != BotUserID || m.Metadata.EventType != "jit_reply" || m.Metadata.EventPayload["key"] != "reply-1" {
		t.Errorf("reply 1 = %+v", m.Msg)
	}

	// Metadata only when asked for.
	msgs, _, _, _ = api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: card})
	if msgs[1].Metadata.EventType != "" {
		t.Error("metadata without include_all_metadata")
	}

	// A reply's ts gives the whole thread.
	msgs, _, _, _ = api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: r2})
	if got := texts(msgs); len(got) != 4 || got[0] != "card" {
		t.Errorf("replies by a reply's ts = %q", got)
	}
	// A message without replies comes back alone, with no thread summary.
	_, lone, _ := api.PostMessage("C1", slack.MsgOptionText("lone", false))
	msgs, _, _, _ = api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: lone})
	if len(msgs) != 1 || msgs[0].Text != "lone" || msgs[0].ThreadTimestamp != "" || msgs[0].ReplyCount != 0 {
		t.Errorf("unthreaded message = %+v", msgs)
	}

	// Time range: the parent leads whatever the range.
	msgs, _, _, _ = api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: card, Oldest: r1})
	if got := texts(msgs); !slices.Equal(got, []string{"card", "reply 2", "reply 3"}) {
		t.Errorf("oldest (exclusive) = %q", got)
	}
	msgs, _, _, _ = api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: card, Oldest: r1, Latest: r3, Inclusive: true})
	if got := texts(msgs); !slices.Equal(got, []string{"card", "reply 1", "reply 2", "reply 3"}) {
		t.Errorf("oldest..latest inclusive = %q", got)
	}
	msgs, _, _, _ = api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: card, Latest: r2})
	if got := texts(msgs); !slices.Equal(got, []string{"card", "reply 1"}) {
		t.Errorf("latest (exclusive) = %q", got)
	}

	// Paging: the parent and one reply, then the rest without the parent,
	// still inside the time range.
	params := &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: card, Limit: 2, Latest: r3}
	msgs, more, next, _ = api.GetConversationReplies(params)
	if got := texts(msgs); !slices.Equal(got, []string{"card", "reply 1"}) || !more || next == "" {
		t.Fatalf("page 1 = %q, has_more %v, cursor %q", got, more, next)
	}
	params.Cursor = next
	msgs, more, next, _ = api.GetConversationReplies(params)
	if got := texts(msgs); !slices.Equal(got, []string{"reply 2"}) || more || next != "" {
		t.Errorf("page 2 = %q, has_more %v, cursor %q", got, more, next)
	}
	params = &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: card, Limit: 1, Oldest: r2, Inclusive: true}
	msgs, _, next, _ = api.GetConversationReplies(params)
	if got := texts(msgs); !slices.Equal(got, []string{"card"}) || next == "" {
		t.Fatalf("page of one = %q, cursor %q", got, next)
	}
	params.Cursor = next
	msgs, _, _, _ = api.GetConversationReplies(params)
	if got := texts(msgs); !slices.Equal(got, []string{"reply 2"}) {
		t.Errorf("after the parent's page = %q, want the first reply in range", got)
	}
}

func TestRepliesRejects(t *testing.T) {
	f, api := newFake(t)
	_, card, _ := api.PostMessage("C1", slack.MsgOptionText("card", false))
	api.PostMessage("C1", slack.MsgOptionText("reply", false), slack.MsgOptionTS(card))
	for _, c := range []struct {
		params slack.GetConversationRepliesParameters
		code   string
	}{
		{slack.GetConversationRepliesParameters{ChannelID: "C1"}, "thread_not_found"},
		{slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: "1699999999.000100"}, "thread_not_found"},
		{slack.GetConversationRepliesParameters{ChannelID: "C2", Timestamp: card}, "thread_not_found"}, // the card is in C1
		{slack.GetConversationRepliesParameters{Timestamp: card}, "channel_not_found"},
		{slack.GetConversationRepliesParameters{ChannelID: "X1", Timestamp: card}, "channel_not_found"},
		{slack.GetConversationRepliesParameters{ChannelID: "D0NOPE", Timestamp: card}, "channel_not_found"},
		{slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: card, Cursor: "bm90IGEgY3Vyc29y"}, "invalid_cursor"},
		{slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: card, Cursor: card}, "invalid_cursor"}, // the parent is no page's start
	} {
		_, _, _, err := api.GetConversationReplies(&c.params)
		wantSlackError(t, err, c.code)
	}
	_, _, _, err := slack.New("xoxb-wrong", slack.OptionAPIURL(f.URL())).GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: card})
	wantSlackError(t, err, "invalid_auth")
	if n := f.CallCount("conversations.replies"); n != 9 {
		t.Errorf("CallCount = %d, want 9", n)
	}
}
