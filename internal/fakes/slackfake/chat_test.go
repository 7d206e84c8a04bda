package slackfake

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/slackui"
	"github.com/slack-go/slack"
)

func card() slackui.Card {
	return slackui.Card{
		WorkflowID: "jit/project-sample/1", Project: "project-sample", IssueNumber: 1,
		Title: "Audit", Requester: alice.Email, RequesterSlack: alice.ID, Role: "SQL Editor User",
		Databases: []string{"hr_prod"}, Reason: "audit", Link: "https://bb.example.com/issues/1",
		Step: 1, TotalSteps: 2, StepRole: "Workspace DBA",
		RequestedAt: time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC), State: slackui.StatePending,
	}
}

func cardOptions(c slackui.Card) []slack.MsgOption {
	return []slack.MsgOption{
		slack.MsgOptionText(slackui.CardText(c), false),
		slack.MsgOptionBlocks(slackui.CardBlocks(c)...),
	}
}

func TestPostMessage(t *testing.T) {
	f, api := newFake(t)
	meta := slack.SlackMetadata{EventType: "jit_request", EventPayload: map[string]any{"wf": "jit/project-sample/1"}}
	ch, ts, msg, err := api.PostMessageWithResponse("C0APPROVE", append(cardOptions(card()), slack.MsgOptionMetadata(meta))...)
	if err != nil {
		t.Fatal(err)
	}
	if ch != "C0APPROVE" || ts != "1700000000.000100" {
		t.Errorf("posted to %s at %s", ch, ts)
	}
	if len(msg.Blocks.BlockSet) != 6 || msg.Text != slackui.CardText(card()) {
		t.Errorf("answer message = %+v", msg.Msg)
	}
	got, ok := f.Message("C0APPROVE", ts)
	if !ok {
		t.Fatal("message not stored")
	}
	sent, _ := json.Marshal(slackui.CardBlocks(card()))
	var want, stored any
	json.Unmarshal(sent, &want)
	json.Unmarshal(got.Blocks, &stored)
	if !reflect.DeepEqual(stored, want) {
		t.Errorf("stored blocks = %s, want %s", got.Blocks, sent)
	}
	// Stored as Slack reads them, so raw markup can be searched for.
	if !strings.Contains(string(got.Blocks), "<@U0ALICE>") || strings.Contains(string(got.Blocks), `\u003c`) {
		t.Errorf("blocks not normalized: %s", got.Blocks)
	}
	if !strings.Contains(string(got.Metadata), `"event_type":"jit_request"`) {
		t.Errorf("metadata = %s", got.Metadata)
	}
	if c := f.Calls()[0]; c.Method != "chat.postMessage" || c.Params["channel"] != "C0APPROVE" || c.Params["token"] != "" {
		t.Errorf("call = %+v", c.Params)
	}
}

func TestTimestampsAndThreads(t *testing.T) {
	f, api := newFake(t)
	_, parent, err := api.PostMessage("C1", slack.MsgOptionText("card", false))
	if err != nil {
		t.Fatal(err)
	}
	_, other, _ := api.PostMessage("C2", slack.MsgOptionText("elsewhere", false))
	_, reply, err := api.PostMessage("C1", slack.MsgOptionText("approved", false), slack.MsgOptionTS(parent))
	if err != nil {
		t.Fatal(err)
	}
	_, reply2, err := api.PostMessage("C1", slack.MsgOptionText("again", false), slack.MsgOptionTS(reply))
	if err != nil {
		t.Fatal(err)
	}
	if !(parent < other && other < reply && reply < reply2) {
		t.Errorf("timestamps not increasing: %s %s %s %s", parent, other, reply, reply2)
	}
	msgs := f.Messages("C1")
	if len(msgs) != 3 || msgs[1].ThreadTS != parent || msgs[2].ThreadTS != parent || msgs[0].ThreadTS != "" {
		t.Errorf("C1 = %+v", msgs)
	}
	_, _, err = api.PostMessage("C1", slack.MsgOptionText("x", false), slack.MsgOptionTS("1699999999.000100"))
	wantSlackError(t, err, "thread_not_found")
	_, _, err = api.PostMessage("C2", slack.MsgOptionText("x", false), slack.MsgOptionTS(parent))
	wantSlackError(t, err, "thread_not_found") // the parent is in another channel
}

func TestPostMessageRejects(t *testing.T) {
	f, api := newFake(t)
	_, _, err := api.PostMessage("C1")
	wantSlackError(t, err, "no_text")
	_, _, err = api.PostMessage("X1", slack.MsgOptionText("x", false))
	wantSlackError(t, err, "channel_not_found")
	_, _, err = api.PostMessage("D0NOPE", slack.MsgOptionText("x", false))
	wantSlackError(t, err, "channel_not_found") // DMs must be opened first
	_, _, err = api.PostMessage("C1", slack.MsgOptionText(strings.Repeat("x", 40001), false))
	wantSlackError(t, err, "msg_too_long")
	_, _, err = api.PostMessage("C1", slack.MsgOptionText("x", false), slack.MsgOptionMetadata(slack.SlackMetadata{}))
	wantSlackError(t, err, "invalid_metadata_format")
	if len(f.Messages("C1")) != 0 {
		t.Error("a rejected message was stored")
	}
}

func TestInvalidBlocks(t *testing.T) {
	f, api := newFake(t)
	header := slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("h", 151), false, false))
	_, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false), slack.MsgOptionBlocks(header))
	se := wantSlackError(t, err, "invalid_blocks")
	if len(se.ResponseMetadata.Messages) == 0 || !strings.Contains(se.ResponseMetadata.Messages[0], "151 characters") {
		t.Errorf("details = %v", se.ResponseMetadata.Messages)
	}
	button := slack.NewButtonBlockElement("a", strings.Repeat("v", 2001), slack.NewTextBlockObject(slack.PlainTextType, "Go", false, false))
	_, _, err = api.PostMessage("C1", slack.MsgOptionText("x", false), slack.MsgOptionBlocks(slack.NewActionBlock("b", button)))
	wantSlackError(t, err, "invalid_blocks")
	if f.CallCount("chat.postMessage") != 2 || len(f.Messages("C1")) != 0 {
		t.Error("invalid message stored, or calls not counted")
	}
}

func TestUpdateMessage(t *testing.T) {
	f, api := newFake(t)
	_, ts, err := api.PostMessage("C1", cardOptions(card())...)
	if err != nil {
		t.Fatal(err)
	}
	done := card()
	done.State = slackui.StateApproved
	ch, uts, text, err := api.UpdateMessage("C1", ts, cardOptions(done)...)
	if err != nil {
		t.Fatal(err)
	}
	if ch != "C1" || uts != ts || text != slackui.CardText(done) {
		t.Errorf("update answered %s %s %q", ch, uts, text)
	}
	m, _ := f.Message("C1", ts)
	if m.Updates != 1 || m.Text != slackui.CardText(done) || strings.Contains(string(m.Blocks), slackui.ActionApprove) {
		t.Errorf("after update: %+v", m)
	}
	_, _, _, err = api.UpdateMessage("C1", "1700000099.000100", slack.MsgOptionText("x", false))
	wantSlackError(t, err, "message_not_found")
	_, _, _, err = api.UpdateMessage("C2", ts, slack.MsgOptionText("x", false))
	wantSlackError(t, err, "message_not_found")
	_, _, _, err = api.UpdateMessage("C1", ts)
	wantSlackError(t, err, "no_text")
}

func TestPostEphemeral(t *testing.T) {
	f, api := newFake(t)
	ts, err := api.PostEphemeral("C1", dana.ID, slack.MsgOptionText("✅ You approved", false))
	if err != nil || ts == "" {
		t.Fatalf("ts %q, err %v", ts, err)
	}
	got := f.Ephemerals(dana.ID)
	if len(got) != 1 || got[0].TS != ts || !got[0].Ephemeral || got[0].Channel != "C1" || got[0].Text != "✅ You approved" {
		t.Errorf("ephemerals = %+v", got)
	}
	if len(f.Messages("C1")) != 0 || len(f.Ephemerals(alice.ID)) != 0 {
		t.Error("ephemeral visible to others")
	}
	_, err = api.PostEphemeral("C1", "U0NOBODY", slack.MsgOptionText("x", false))
	wantSlackError(t, err, "user_not_found")
}
