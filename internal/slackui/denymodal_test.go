package slackui

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestDenyModal(t *testing.T) {
	for _, required := range []bool{true, false} {
		c := baseCard()
		c.RequireDenyReason = required
		m := DenyModal(c, denyMetadata)
		if m.CallbackID != DenyModalCallbackID || m.PrivateMetadata != denyMetadata || m.Type != slack.VTModal {
			t.Errorf("modal = %+v", m)
		}
		input, ok := m.Blocks.BlockSet[len(m.Blocks.BlockSet)-1].(*slack.InputBlock)
		if !ok || input.BlockID != DenyReasonBlockID || input.Optional == required {
			t.Fatalf("required %v: input block = %+v", required, m.Blocks.BlockSet)
		}
		if el, ok := input.Element.(*slack.PlainTextInputBlockElement); !ok || el.ActionID != DenyReasonActionID || !el.Multiline || el.MaxLength != maxDenyReasonInput {
			t.Errorf("input element = %+v", input.Element)
		}
		raw, _ := json.Marshal(m)
		if err := CheckModal(raw); err != nil {
			t.Error(err)
		}
	}
}

// Metadata is the caller's: it goes out unchanged, whatever it is, and an
// overlong one is left for the limits check to catch rather than cut.
func TestDenyModalMetadataUnchanged(t *testing.T) {
	long := strings.Repeat("é<", MaxPrivateMetadata)
	m := DenyModal(hugeCard(), long)
	if m.PrivateMetadata != long {
		t.Error("metadata changed")
	}
	raw, _ := json.Marshal(m)
	if err := CheckModal(raw); err == nil || !strings.Contains(err.Error(), "private_metadata") {
		t.Errorf("CheckModal = %v, want a private_metadata error", err)
	}
}

func TestDenyReason(t *testing.T) {
	state := func(reason string) *slack.ViewState {
		raw, _ := json.Marshal(map[string]any{"values": map[string]any{
			DenyReasonBlockID: map[string]any{DenyReasonActionID: map[string]any{"type": "plain_text_input", "value": reason}},
		}})
		var s slack.ViewState
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		return &s
	}
	for _, tc := range []struct {
		state *slack.ViewState
		want  string
	}{
		{state("  Use the replica.\n"), "Use the replica."},
		{state("<!channel>"), "<!channel>"}, // escaped where shown, not here
		{state(" \n "), ""},
		{&slack.ViewState{}, ""},
		{nil, ""},
	} {
		if got := DenyReason(tc.state); got != tc.want {
			t.Errorf("DenyReason = %q, want %q", got, tc.want)
		}
	}
	if got := DenyReason(state(strings.Repeat("x", 5000))); runes(got) != maxDenyReasonInput {
		t.Errorf("5000-char reason kept %d runes", runes(got))
	}
}

func TestDenyReasonRequiredError(t *testing.T) {
	errs := DenyReasonRequiredError()
	if len(errs) != 1 || errs[DenyReasonBlockID] == "" {
		t.Errorf("errors = %v", errs)
	}
}
