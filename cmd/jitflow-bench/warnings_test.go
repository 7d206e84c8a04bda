package main

import (
	"encoding/json"
	"testing"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
)

func TestShowsWarning(t *testing.T) {
	for _, c := range []struct {
		m    slackfake.Message
		want bool
	}{
		{slackfake.Message{Text: "⏳ Pending", Blocks: json.RawMessage(`[{"type":"section","text":{"type":"mrkdwn","text":"⏳ *Pending* step 1 of 1"}}]`)}, false},
		{slackfake.Message{Text: "⏳ Pending", Blocks: json.RawMessage(`[{"type":"context","elements":[{"type":"mrkdwn","text":"⚠️ Bytebase is not answering; retrying"}]}]`)}, true},
		{slackfake.Message{Text: "⚠ Bytebase unreachable"}, true},
	} {
		if got := showsWarning(c.m); got != c.want {
			t.Errorf("showsWarning(%q, %s) = %v, want %v", c.m.Text, c.m.Blocks, got, c.want)
		}
	}
}
