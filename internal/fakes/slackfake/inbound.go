package slackfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jitflow/jitflow/internal/slackui"
)

// Sign returns the X-Slack-Signature for body at ts exactly as Slack
// computes it.
func Sign(signingSecret string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(signingSecret))
	fmt.Fprintf(mac, "v0:%d:", ts.Unix())
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// InteractionRequest builds a signed interaction request for target, as Slack
// sends one: POST, form-encoded, with the JSON payload in "payload".
func InteractionRequest(target, signingSecret string, ts time.Time, payload any) (*http.Request, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	body := url.Values{"payload": {string(raw)}}.Encode()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("X-Slack-Signature", Sign(signingSecret, ts, []byte(body)))
	return req, nil
}

// BlockActionPayload builds a block_actions payload like Slack's for a click
// by userID on a button of the message at channel/messageTS. actionTS
// identifies the click; the trigger ID is derived from it, so each click
// can open one modal.
func BlockActionPayload(userID, userName, channel, messageTS, actionID, value, actionTS string) map[string]any {
	return map[string]any{
		"type": "block_actions",
		"user": map[string]any{
			"id":       userID,
			"username": userName,
			"name":     userName,
			"team_id":  TeamID,
		},
		"api_app_id": AppID,
		"token":      "fake-verification-token",
		"container": map[string]any{
			"type":         "message",
			"message_ts":   messageTS,
			"channel_id":   channel,
			"is_ephemeral": false,
		},
		"trigger_id":            "trigger." + actionTS + "." + userID,
		"team":                  map[string]any{"id": TeamID, "domain": "fake"},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"channel":               map[string]any{"id": channel, "name": "fake-" + strings.ToLower(channel)},
		"message": map[string]any{
			"type":   "message",
			"user":   BotUserID,
			"bot_id": BotID,
			"ts":     messageTS,
			"text":   "",
		},
		"state":        map[string]any{"values": map[string]any{}},
		"response_url": "https://hooks.slack.com/actions/" + TeamID + "/" + actionTS + "/fake",
		"actions": []any{map[string]any{
			"action_id": actionID,
			"block_id":  slackui.ActionsBlockID,
			"value":     value,
			"type":      "button",
			"action_ts": actionTS,
		}},
	}
}

// ViewSubmissionPayload builds the view_submission Slack sends when userID
// submits a modal: the view's ID, callback ID and private_metadata as opened,
// and the typed values by block ID and action ID (plain-text inputs).
func ViewSubmissionPayload(userID, viewID, callbackID, privateMetadata string, values map[string]map[string]string) map[string]any {
	state := map[string]any{}
	for block, actions := range values {
		inputs := map[string]any{}
		for action, v := range actions {
			inputs[action] = map[string]any{"type": "plain_text_input", "value": v}
		}
		state[block] = inputs
	}
	return map[string]any{
		"type":       "view_submission",
		"team":       map[string]any{"id": TeamID, "domain": "fake"},
		"user":       map[string]any{"id": userID, "team_id": TeamID},
		"api_app_id": AppID,
		"token":      "deprecated-verification-token",
		"trigger_id": "trigger.view." + viewID,
		"view": map[string]any{
			"id":               viewID,
			"type":             "modal",
			"callback_id":      callbackID,
			"private_metadata": privateMetadata,
			"state":            map[string]any{"values": state},
		},
	}
}
