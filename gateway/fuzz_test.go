package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackui"
)

// FuzzInteraction feeds arbitrary payloads, correctly signed, to the Slack
// interaction handler: it must answer 200 or a 4xx JSON error, never panic
// or fail with a 5xx, and only ever signal well-formed clicks.
func FuzzInteraction(f *testing.F) {
	seed := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	value := `{"wf":"jit/project-sample/123","step":1,"r":true}`
	seed(slackfake.BlockActionPayload("UALICE", "alice", "C0DBACCESS", "1700000000.000100", slackui.ActionApprove, value, "1700000100.1"))
	seed(slackfake.BlockActionPayload("UALICE", "alice", "C0DBACCESS", "1700000000.000100", slackui.ActionDeny, value, "1700000100.2"))
	seed(slackfake.ViewSubmissionPayload("UALICE", "V1", slackui.DenyModalCallbackID, `{"wf":"jit/p/1","step":1,"r":true}`,
		map[string]map[string]string{slackui.DenyReasonBlockID: {slackui.DenyReasonActionID: "because"}}))
	f.Add([]byte(`{"type":"block_actions","actions":[{"action_id":"jit_approve","value":"{}"}]}`))
	f.Add([]byte(`{"type":"view_submission","view":{"callback_id":"jit_deny_modal","private_metadata":"{\"wf\":\"jit/a/1\"}"}}`))
	f.Add([]byte(`null`))

	rec := newRecorder()
	h := New(Config{Temporal: rec, TaskQueue: "q", SigningSecret: secret, WebhookToken: webhookToken})
	f.Fuzz(func(t *testing.T, payload []byte) {
		body := []byte("payload=" + url.QueryEscape(string(payload)))
		req := httptest.NewRequest(http.MethodPost, "/api/slack/interact", bytes.NewReader(body))
		now := time.Now()
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("X-Slack-Signature", slackfake.Sign(secret, now, body))
		req.RemoteAddr = "192.0.2.1:1234"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch {
		case w.Code == http.StatusOK, w.Code == http.StatusTooManyRequests:
		case w.Code >= 400 && w.Code < 500:
			var e errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("%d with a non-JSON error body %q", w.Code, w.Body.String())
			}
		default:
			t.Fatalf("status %d for payload %q: %s", w.Code, payload, w.Body.String())
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, s := range rec.signals {
			if s.id == "" || s.name == "" {
				t.Fatalf("malformed signal %+v", s)
			}
		}
		rec.signals = rec.signals[:0]
	})
}
