package slackfake

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/jitflow/jitflow/internal/slackui"
)

// maxMessageText is where Slack refuses a message's text.
const maxMessageText = 40000

// content is a message's text and blocks, checked the way Slack does.
type content struct {
	text   string
	blocks json.RawMessage
}

func readContent(p params) (content, *apiError) {
	c := content{text: p.get("text")}
	if raw := p.get("blocks"); raw != "" {
		blocks, err := normalize(raw)
		if err != nil {
			return c, fail("invalid_blocks_format")
		}
		if err := slackui.CheckBlocks(blocks); err != nil {
			return c, fail("invalid_blocks", strings.Split(err.Error(), "\n")...)
		}
		if string(blocks) != "[]" {
			c.blocks = blocks
		}
	}
	switch {
	case c.text == "" && c.blocks == nil && p.get("attachments") == "":
		return c, fail("no_text")
	case utf8.RuneCountInString(c.text) > maxMessageText:
		return c, fail("msg_too_long")
	}
	return c, nil
}

// readMetadata checks message metadata: an object with an event_type.
func readMetadata(p params) (json.RawMessage, *apiError) {
	raw := p.get("metadata")
	if raw == "" {
		return nil, nil
	}
	var m struct {
		EventType string `json:"event_type"`
	}
	meta, err := normalize(raw)
	if err != nil || json.Unmarshal(meta, &m) != nil || m.EventType == "" {
		return nil, fail("invalid_metadata_format")
	}
	return meta, nil
}

func (st *state) postMessage(p params) (result, *apiError) {
	channel, err := st.resolveChannel(p.get("channel"))
	if err != nil {
		return nil, err
	}
	c, err := readContent(p)
	if err != nil {
		return nil, err
	}
	meta, err := readMetadata(p)
	if err != nil {
		return nil, err
	}
	thread := p.get("thread_ts")
	if thread != "" {
		parent := st.find(channel, thread)
		if parent == nil {
			return nil, fail("thread_not_found")
		}
		if parent.ThreadTS != "" { // a reply to a reply joins the same thread
			thread = parent.ThreadTS
		}
	}
	m := &Message{Channel: channel, TS: st.nextTS(), ThreadTS: thread, Text: c.text, Blocks: c.blocks, Metadata: meta}
	st.messages = append(st.messages, m)
	return result{"channel": channel, "ts": m.TS, "message": m.wire(true)}, nil
}

func (st *state) updateMessage(p params) (result, *apiError) {
	channel, err := st.resolveChannel(p.get("channel"))
	if err != nil {
		return nil, err
	}
	if p.get("ts") == "" {
		return nil, fail("invalid_arguments")
	}
	m := st.find(channel, p.get("ts"))
	if m == nil {
		return nil, fail("message_not_found")
	}
	c, err := readContent(p)
	if err != nil {
		return nil, err
	}
	meta, err := readMetadata(p)
	if err != nil {
		return nil, err
	}
	m.Text, m.Blocks = c.text, c.blocks
	if meta != nil {
		m.Metadata = meta
	}
	m.Updates++
	return result{"channel": channel, "ts": m.TS, "text": m.Text, "message": m.wire(true)}, nil
}

func (st *state) postEphemeral(p params) (result, *apiError) {
	channel, err := st.resolveChannel(p.get("channel"))
	if err != nil {
		return nil, err
	}
	user := p.get("user")
	if _, ok := st.users[user]; !ok {
		return nil, fail("user_not_found")
	}
	c, err := readContent(p)
	if err != nil {
		return nil, err
	}
	m := Message{Channel: channel, TS: st.nextTS(), ThreadTS: p.get("thread_ts"), Text: c.text, Blocks: c.blocks, User: user, Ephemeral: true}
	st.ephemerals = append(st.ephemerals, m)
	return result{"message_ts": m.TS}, nil
}
