package slackfake

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/slackui"
	"github.com/slack-go/slack"
)

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// verify checks r the way the gateway must: read, verify, restore, parse.
func verify(t *testing.T, r *http.Request) (slack.InteractionCallback, error) {
	t.Helper()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := slack.NewSecretsVerifier(r.Header, secret)
	if err != nil {
		return slack.InteractionCallback{}, err
	}
	sv.Write(body)
	if err := sv.Ensure(); err != nil {
		return slack.InteractionCallback{}, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return slack.InteractionCallbackParse(r)
}

func TestSignMatchesSlackExample(t *testing.T) {
	// The worked example from Slack's "Verifying requests" documentation.
	body := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
	got := Sign(secret, time.Unix(1531420618, 0), body)
	if want := "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestInteractionRequest(t *testing.T) {
	value := `{"wf":"jit/project-sample/1","step":1}`
	payload := BlockActionPayload("U0DANA", "dana", "C0APPROVE", "1700000000.000100", slackui.ActionApprove, value, "1700000100.000001")
	req, err := InteractionRequest("http://gateway/slack/interactions", secret, time.Now(), payload)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := verify(t, req)
	if err != nil {
		t.Fatal(err)
	}
	if cb.Type != slack.InteractionTypeBlockActions || cb.User.ID != "U0DANA" || cb.User.Name != "dana" ||
		cb.Container.ChannelID != "C0APPROVE" || cb.Container.MessageTs != "1700000000.000100" ||
		cb.Channel.ID != "C0APPROVE" || cb.Message.Timestamp != "1700000000.000100" || cb.TriggerID == "" {
		t.Errorf("callback = %+v", cb)
	}
	actions := cb.ActionCallback.BlockActions
	if len(actions) != 1 || actions[0].ActionID != slackui.ActionApprove || actions[0].Value != value ||
		actions[0].BlockID != slackui.ActionsBlockID || actions[0].ActionTs != "1700000100.000001" {
		t.Errorf("actions = %+v", actions)
	}
	if bv, err := slackui.ParseButtonValue(actions[0].Value); err != nil || bv.Step != 1 {
		t.Errorf("button value = %+v, %v", bv, err)
	}
}

func TestInteractionRequestRejectedWhenWrong(t *testing.T) {
	payload := BlockActionPayload("U0DANA", "dana", "C1", "1.1", slackui.ActionDeny, "v", "2.2")
	req, _ := InteractionRequest("http://gateway/", "another-secret", time.Now(), payload)
	if _, err := verify(t, req); err != slack.ErrInvalidSignature {
		t.Errorf("wrong secret: %v", err)
	}
	req, _ = InteractionRequest("http://gateway/", secret, time.Now().Add(-10*time.Minute), payload)
	if _, err := verify(t, req); err != slack.ErrExpiredTimestamp {
		t.Errorf("old timestamp: %v", err)
	}
}
