package gateway

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackui"
	"github.com/jitflow/jitflow/workflows"
)

func newModalGateway(t *testing.T) (*httptest.Server, *recorder, *slackfake.Server) {
	t.Helper()
	sf := slackfake.New(slackfake.Options{BotToken: "xoxb-modal-test"})
	t.Cleanup(sf.Close)
	rec := newRecorder()
	srv := httptest.NewServer(New(Config{Temporal: rec, TaskQueue: "q", SigningSecret: secret, WebhookToken: webhookToken,
		Notifier: slack.New("xoxb-modal-test", slack.OptionAPIURL(sf.URL()))}))
	t.Cleanup(srv.Close)
	return srv, rec, sf
}

func denyValue(t *testing.T, requireReason bool) string {
	b, err := json.Marshal(slackui.ButtonValue{WorkflowID: "jit/project-sample/123", Step: 1, RequireReason: requireReason})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDenyOpensModalThenSubmissionSignals(t *testing.T) {
	srv, rec, sf := newModalGateway(t)
	send := func(payload map[string]any) (int, string) {
		req, err := slackfake.InteractionRequest(srv.URL+"/api/slack/interact", secret, time.Now(), payload)
		if err != nil {
			t.Fatal(err)
		}
		resp, body := do(t, req)
		return resp.StatusCode, body
	}

	if code, body := send(clickPayload(slackui.ActionDeny, denyValue(t, true))); code != 200 {
		t.Fatalf("deny click: %d %s", code, body)
	}
	if len(rec.signals) != 0 {
		t.Fatal("a Deny click must wait for the modal, not decide")
	}
	views := sf.Views()
	if len(views) != 1 {
		t.Fatalf("views opened: %d, want 1", len(views))
	}
	var view struct {
		CallbackID      string `json:"callback_id"`
		PrivateMetadata string `json:"private_metadata"`
	}
	if err := json.Unmarshal(views[0], &view); err != nil || view.CallbackID != slackui.DenyModalCallbackID {
		t.Fatalf("view = %s (%v)", views[0], err)
	}

	submit := func(reason string) (int, string) {
		return send(slackfake.ViewSubmissionPayload("UALICE", "V0DENY1", slackui.DenyModalCallbackID, view.PrivateMetadata,
			map[string]map[string]string{slackui.DenyReasonBlockID: {slackui.DenyReasonActionID: reason}}))
	}
	// A required reason left empty: the modal shows an error, nothing is decided.
	code, body := submit("  ")
	if code != 200 || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, slackui.DenyReasonBlockID) {
		t.Fatalf("empty reason: %d %s", code, body)
	}
	if len(rec.signals) != 0 {
		t.Fatal("an empty required reason was delivered")
	}
	if code, body := submit("Use the read replica"); code != 200 || body != "" {
		t.Fatalf("submission: %d %q, want 200 with an empty body (closes the modal)", code, body)
	}
	if len(rec.signals) != 1 {
		t.Fatalf("signals = %v", rec.signals)
	}
	c := rec.signals[0].arg.(workflows.Click)
	if c.Decision != workflows.Deny || c.Reason != "Use the read replica" || c.Step != 1 || c.UserID != "UALICE" ||
		c.Channel != "C0DBACCESS" || c.ID != "view/V0DENY1/UALICE" || rec.signals[0].id != "jit/project-sample/123" {
		t.Errorf("click = %+v", c)
	}

	// The request closed meanwhile: the modal says so instead of closing.
	rec.closed["jit/project-sample/123"] = true
	code, body = submit("again")
	if code != 200 || !strings.Contains(body, "already closed") {
		t.Errorf("closed request: %d %s", code, body)
	}
}

func TestViewSubmissionRefusals(t *testing.T) {
	srv, rec, _ := newModalGateway(t)
	for name, payload := range map[string]map[string]any{
		"foreign metadata": slackfake.ViewSubmissionPayload("UALICE", "V1", slackui.DenyModalCallbackID, `{"wf":"other/x/1","step":1}`, nil),
		"no metadata":      slackfake.ViewSubmissionPayload("UALICE", "V1", slackui.DenyModalCallbackID, "", nil),
	} {
		req, _ := slackfake.InteractionRequest(srv.URL+"/api/slack/interact", secret, time.Now(), payload)
		if resp, body := do(t, req); resp.StatusCode != 400 {
			t.Errorf("%s: %d %s, want 400", name, resp.StatusCode, body)
		}
	}
	other := slackfake.ViewSubmissionPayload("UALICE", "V2", "someone_elses_modal", "", nil)
	req, _ := slackfake.InteractionRequest(srv.URL+"/api/slack/interact", secret, time.Now(), other)
	if resp, _ := do(t, req); resp.StatusCode != 200 {
		t.Errorf("other modal: %d, want 200 (ignored)", resp.StatusCode)
	}
	if len(rec.signals) != 0 {
		t.Errorf("signals = %v", rec.signals)
	}
}
