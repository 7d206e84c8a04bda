package slackfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jitflow/jitflow/internal/slackui"
)

// Views returns the modals opened with views.open, as sent.
func (s *Server) Views() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]json.RawMessage, len(s.st.views))
	for i, v := range s.st.views {
		out[i] = bytes.Clone(v)
	}
	return out
}

// openView opens a modal. Each trigger ID works once, as in Slack. The view
// is held to slackui.CheckModal's limits.
func (st *state) openView(p params) (result, *apiError) {
	trigger := p.get("trigger_id")
	if trigger == "" {
		return nil, fail("invalid_arguments", "trigger_id is required")
	}
	if st.triggers[trigger] {
		return nil, fail("exchanged_trigger_id")
	}
	raw := p.get("view")
	var view map[string]any
	if json.Unmarshal([]byte(raw), &view) != nil {
		return nil, fail("invalid_arguments", "view must be a JSON object")
	}
	if err := slackui.CheckModal([]byte(raw)); err != nil {
		return nil, fail("invalid_arguments", strings.Split(err.Error(), "\n")...)
	}
	st.triggers[trigger] = true
	st.views = append(st.views, json.RawMessage(raw))

	view["id"] = fmt.Sprintf("V%08d", len(st.views))
	view["team_id"] = TeamID
	view["app_id"] = AppID
	view["bot_id"] = BotID
	view["hash"] = fmt.Sprintf("1700000000.%08d", len(st.views))
	view["state"] = map[string]any{"values": map[string]any{}}
	return result{"view": view}, nil
}
