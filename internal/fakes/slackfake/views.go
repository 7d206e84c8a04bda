package slackfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jitflow/jitflow/internal/slackui"
)

// Modal limits that messages don't have.
const (
	maxModalTitle      = 24 // title, submit, close
	maxPrivateMetadata = 3000
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

// openView opens a modal. Each trigger ID works once, as in Slack. Blocks
// are held to the message limits (50 blocks, where modals may have 100).
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
	if msgs := checkModal(view); len(msgs) > 0 {
		return nil, fail("invalid_arguments", msgs...)
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

// checkModal lists what Slack would reject in a modal view.
func checkModal(view map[string]any) []string {
	var msgs []string
	if view["type"] != "modal" {
		msgs = append(msgs, `view.type must be "modal"`)
	}
	if _, ok := view["title"].(map[string]any); !ok {
		msgs = append(msgs, "view.title is required")
	}
	for _, key := range []string{"title", "submit", "close"} {
		if t, ok := view[key].(map[string]any); ok {
			if s, _ := t["text"].(string); utf8.RuneCountInString(s) > maxModalTitle {
				msgs = append(msgs, fmt.Sprintf("view.%s.text must be at most %d characters", key, maxModalTitle))
			}
		}
	}
	if s, _ := view["private_metadata"].(string); len(s) > maxPrivateMetadata {
		msgs = append(msgs, fmt.Sprintf("view.private_metadata must be at most %d characters", maxPrivateMetadata))
	}
	blocks, err := json.Marshal(view["blocks"])
	if err == nil && view["blocks"] != nil {
		err = slackui.CheckBlocks(blocks)
	}
	if err != nil {
		msgs = append(msgs, strings.Split(err.Error(), "\n")...)
	}
	return msgs
}
