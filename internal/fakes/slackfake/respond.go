package slackfake

import (
	"encoding/json"
	"maps"
	"net/http"
)

// result is the body of a successful answer, without "ok".
type result map[string]any

// apiError is an ok:false answer. Messages go where Slack puts details, in
// response_metadata.messages.
type apiError struct {
	code     string
	messages []string
}

func fail(code string, messages ...string) *apiError {
	return &apiError{code: code, messages: messages}
}

// handler runs one Web API method against the state.
type handler func(st *state, p params) (result, *apiError)

// route maps a method name to its handler, or nil if the fake lacks it.
func route(method string) handler {
	switch method {
	case "auth.test":
		return authTest
	case "chat.postMessage":
		return (*state).postMessage
	case "chat.update":
		return (*state).updateMessage
	case "chat.postEphemeral":
		return (*state).postEphemeral
	case "users.info":
		return (*state).userInfo
	case "users.lookupByEmail":
		return (*state).lookupByEmail
	case "usergroups.list":
		return (*state).listUsergroups
	case "conversations.open":
		return (*state).openConversation
	case "conversations.history":
		return (*state).history
	case "conversations.replies":
		return (*state).replies
	case "views.open":
		return (*state).openView
	}
	return nil
}

func authTest(*state, params) (result, *apiError) {
	return result{
		"url":     "https://fake.slack.com/",
		"team":    "Fake Workspace",
		"user":    "jitflow",
		"team_id": TeamID,
		"user_id": BotUserID,
		"bot_id":  BotID,
	}, nil
}

func okBody(r result) map[string]any {
	body := map[string]any{"ok": true}
	maps.Copy(body, r)
	return body
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"ok": false, "error": e.code}
	if len(e.messages) > 0 {
		body["response_metadata"] = map[string]any{"messages": e.messages}
	}
	writeJSON(w, http.StatusOK, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
