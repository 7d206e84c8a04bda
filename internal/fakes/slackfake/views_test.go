package slackfake

import (
	"strings"
	"testing"

	"github.com/jitflow/jitflow/internal/slackui"
	"github.com/slack-go/slack"
)

func denyModal(title string) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, title, false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Deny", false, false),
		CallbackID:      "jit_deny_reason",
		PrivateMetadata: `{"wf":"jit/p/1","step":1}`,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("reason", slack.NewTextBlockObject(slack.PlainTextType, "Reason", false, false), nil,
				slack.NewPlainTextInputBlockElement(nil, "reason")),
		}},
	}
}

func TestOpenView(t *testing.T) {
	f, api := newFake(t)
	res, err := api.OpenView("trigger.1", denyModal("Deny access"))
	if err != nil {
		t.Fatal(err)
	}
	if res.ID == "" || res.CallbackID != "jit_deny_reason" || res.PrivateMetadata != `{"wf":"jit/p/1","step":1}` {
		t.Errorf("view = %+v", res.View)
	}
	views := f.Views()
	if len(views) != 1 || !strings.Contains(string(views[0]), `"callback_id":"jit_deny_reason"`) {
		t.Errorf("Views = %s", views)
	}
	if c := f.Calls()[0]; c.Params["trigger_id"] != "trigger.1" {
		t.Errorf("JSON params = %v", c.Params)
	}

	_, err = api.OpenView("trigger.1", denyModal("Deny access"))
	wantSlackError(t, err, "exchanged_trigger_id")
	_, err = api.OpenView("trigger.2", denyModal("A title that is far too long"))
	wantSlackError(t, err, "invalid_arguments")
	if len(f.Views()) != 1 {
		t.Error("rejected views were stored")
	}
}

// The modal slackui renders for Deny opens as Slack would open it, and an
// overlong private_metadata is refused, not cut.
func TestOpenDenyModal(t *testing.T) {
	f, api := newFake(t)
	c := card()
	c.RequireDenyReason = true
	if _, err := api.OpenView("trigger.1", slackui.DenyModal(c, `{"wf":"jit/p/1"}`)); err != nil {
		t.Fatal(err)
	}
	if v := string(f.Views()[0]); !strings.Contains(v, `"callback_id":"`+slackui.DenyModalCallbackID+`"`) || !strings.Contains(v, `"block_id":"`+slackui.DenyReasonBlockID+`"`) {
		t.Errorf("view = %s", v)
	}
	_, err := api.OpenView("trigger.2", slackui.DenyModal(c, strings.Repeat("x", slackui.MaxPrivateMetadata+1)))
	wantSlackError(t, err, "invalid_arguments")
}
