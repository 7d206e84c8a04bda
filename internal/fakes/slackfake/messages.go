package slackfake

import (
	"bytes"
	"encoding/json"
)

// Message is a message as the fake holds it, after any updates.
type Message struct {
	Channel   string
	TS        string
	ThreadTS  string // parent's ts for a thread reply
	Text      string
	Blocks    json.RawMessage // normalized: compact, keys sorted, no \u003c escapes
	Metadata  json.RawMessage // normalized like Blocks
	User      string          // for an ephemeral message: who sees it
	Ephemeral bool
	Updates   int // chat.update calls applied
}

// clone copies m so callers can't reach the fake's state.
func (m Message) clone() Message {
	m.Blocks = bytes.Clone(m.Blocks)
	m.Metadata = bytes.Clone(m.Metadata)
	return m
}

// Messages returns the channel's messages and thread replies in posting
// order, as they are now.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.st.messages {
		if m.Channel == channel {
			out = append(out, m.clone())
		}
	}
	return out
}

// Message returns the message at channel and ts.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.st.find(channel, ts); m != nil {
		return m.clone(), true
	}
	return Message{}, false
}

// Ephemerals returns the ephemeral messages shown to user, in posting order.
func (s *Server) Ephemerals(user string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.st.ephemerals {
		if m.User == user {
			out = append(out, m.clone())
		}
	}
	return out
}

// DMs returns the messages posted in the bot's DM with user.
func (s *Server) DMs(user string) []Message {
	s.mu.Lock()
	dm, ok := s.st.dms[user]
	s.mu.Unlock()
	if !ok {
		return nil
	}
	return s.Messages(dm)
}

// wire renders m as Slack returns a message in API answers.
func (m Message) wire(withMetadata bool) map[string]any {
	w := map[string]any{
		"type":   "message",
		"user":   BotUserID,
		"bot_id": BotID,
		"app_id": AppID,
		"team":   TeamID,
		"text":   m.Text,
		"ts":     m.TS,
	}
	if len(m.Blocks) > 0 {
		w["blocks"] = m.Blocks
	}
	if m.ThreadTS != "" {
		w["thread_ts"] = m.ThreadTS
	}
	if withMetadata && len(m.Metadata) > 0 {
		w["metadata"] = m.Metadata
	}
	return w
}
