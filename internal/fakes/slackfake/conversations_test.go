package slackfake

import (
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
