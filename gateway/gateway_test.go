package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackui"
	"github.com/jitflow/jitflow/workflows"
)

const (
	secret       = "8f742231b10e8888abcd99yyyzzz85a5"
	webhookToken = "0123456789abcdef0123"
	fixtures     = "../../shared/fixtures/bytebase"
)

// recorder stands in for the Temporal client at the unit level; the
// end-to-end tests use a real server.
type recorder struct {
	mu     sync.Mutex
	starts []string
	// summaries are the static summaries of the starts.
	summaries []string
	signals   []signal
	err       error // returned by every call when set
	closed    map[string]bool
	// running are the workflows started; inputs are their start inputs.
	running map[string]bool
	inputs  []workflows.ApprovalInput
	eager   []bool // EnableEagerStart of each new start
}

type signal struct {
	id, name string
	arg      any
}

// ExecuteWorkflow starts a workflow unless it runs already, as a server
// does with the FAIL conflict policy the gateway asks for.
func (r *recorder) ExecuteWorkflow(_ context.Context, opts client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	if wf != workflows.ApprovalWorkflowName || len(args) != 1 || opts.WorkflowIDConflictPolicy != enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL || !opts.WorkflowExecutionErrorWhenAlreadyStarted {
		panic("bad start")
	}
	if r.running[opts.ID] {
		return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "", "run-1")
	}
	r.running[opts.ID] = true
	r.starts = append(r.starts, opts.ID)
	r.summaries = append(r.summaries, opts.StaticSummary)
	r.inputs = append(r.inputs, args[0].(workflows.ApprovalInput))
	r.eager = append(r.eager, opts.EnableEagerStart)
	return nil, nil
}

func (r *recorder) SignalWithStartWorkflow(_ context.Context, id, name string, arg any, opts client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	if opts.ID != id || wf != workflows.ApprovalWorkflowName || len(args) != 1 {
		panic("bad start")
	}
	r.starts = append(r.starts, id)
	r.summaries = append(r.summaries, opts.StaticSummary)
	r.signals = append(r.signals, signal{id, name, arg})
	return nil, nil
}

// QueryWorkflow answers like a server whose workflow has no worker to run
// the query: the gateway must cope without the card's details.
func (r *recorder) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	return nil, serviceerror.NewDeadlineExceeded("no worker")
}

func (r *recorder) SignalWorkflow(_ context.Context, id, _, name string, arg any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	if r.closed[id] {
		return serviceerror.NewNotFound("workflow not found")
	}
	r.signals = append(r.signals, signal{id, name, arg})
	return nil
}

func newRecorder() *recorder { return &recorder{closed: map[string]bool{}, running: map[string]bool{}} }

func newTestGateway(t *testing.T) (*httptest.Server, *recorder) {
	t.Helper()
	rec := newRecorder()
	srv := httptest.NewServer(New(Config{Temporal: rec, TaskQueue: "q", SigningSecret: secret, WebhookToken: webhookToken}))
	t.Cleanup(srv.Close)
	return srv, rec
}

func post(t *testing.T, url, contentType string, body []byte) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWebhookShapesAndReplies(t *testing.T) {
	cases := []struct {
		file, contentType, body string
	}{
		{"slack-legacy-approval.json", "text/plain", "ok"},
		{"slack-attachments-approval.json", "text/plain", "ok"},
		{"custom-approval.json", "application/json", `{"code":0}`},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			srv, rec := newTestGateway(t)
			resp, body := post(t, srv.URL+"/api/bytebase/webhook?token="+webhookToken, "application/json", fixture(t, tc.file))
			if resp.StatusCode != 200 || strings.TrimSpace(body) != tc.body || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.contentType) {
				t.Fatalf("reply = %d %q (%s), want 200 %q (%s)", resp.StatusCode, body, resp.Header.Get("Content-Type"), tc.body, tc.contentType)
			}
			if len(rec.starts) != 1 || rec.starts[0] != "jit/project-sample/123" {
				t.Errorf("starts = %v", rec.starts)
			}
		})
	}
}

// A new request is started eagerly; the same event again finds it running
// and hands it a hint instead of starting a second one.
func TestRepeatedWebhookHintsTheRunningRequest(t *testing.T) {
	srv, rec := newTestGateway(t)
	for range 2 {
		if resp, body := post(t, srv.URL+"/api/bytebase/webhook?token="+webhookToken, "application/json", fixture(t, "custom-approval.json")); resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	}
	if len(rec.inputs) != 1 || !rec.eager[0] || rec.inputs[0].Issue.Number != 123 {
		t.Fatalf("new starts = %+v (eager %v), want one eager start of #123", rec.inputs, rec.eager)
	}
	if len(rec.signals) != 1 || rec.signals[0].name != workflows.SignalHint || rec.signals[0].id != "jit/project-sample/123" {
		t.Fatalf("signals = %+v, want one hint to the running request", rec.signals)
	}
}

func TestWebhookOtherEventHintsRunningWorkflowOnly(t *testing.T) {
	srv, rec := newTestGateway(t)
	body := []byte(`{"text":"Issue sent back","blocks":[{"type":"actions","elements":[{"type":"button","url":"https://bb/projects/p/issues/7"}]}]}`)
	resp, _ := post(t, srv.URL+"/api/bytebase/webhook?token="+webhookToken, "application/json", body)
	if resp.StatusCode != 200 || len(rec.starts) != 0 || len(rec.signals) != 1 || rec.signals[0].name != workflows.SignalHint {
		t.Fatalf("status %d, starts %v, signals %v", resp.StatusCode, rec.starts, rec.signals)
	}
	rec.closed["jit/p/7"] = true
	resp, _ = post(t, srv.URL+"/api/bytebase/webhook?token="+webhookToken, "application/json", body)
	if resp.StatusCode != 200 || len(rec.starts) != 0 {
		t.Fatalf("event for a closed request: status %d, starts %v", resp.StatusCode, rec.starts)
	}
}

func TestWebhookRefusals(t *testing.T) {
	good := fixture(t, "slack-attachments-approval.json")
	cases := []struct {
		name   string
		query  string
		body   []byte
		status int
	}{
		{"no token", "", good, 401},
		{"wrong token", "?token=" + webhookToken + "x", good, 401},
		{"malformed", "?token=" + webhookToken, []byte(`{"attachments":`), 400},
		{"unknown shape", "?token=" + webhookToken, []byte(`{"foo":1}`), 400},
		{"no link", "?token=" + webhookToken, []byte(`{"text":"Issue approval needed","blocks":[]}`), 400},
		{"too large", "?token=" + webhookToken, append(append([]byte(`{"text":"`), bytes.Repeat([]byte("a"), 1<<20)...), '"', '}'), 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := newTestGateway(t)
			resp, body := post(t, srv.URL+"/api/bytebase/webhook"+tc.query, "application/json", tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tc.status, body)
			}
			var e errorBody
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
				t.Errorf("body %q is not a JSON error", body)
			}
			if strings.Contains(body, webhookToken) {
				t.Error("reply echoes the token")
			}
			if len(rec.starts)+len(rec.signals) != 0 {
				t.Error("a refused webhook started something")
			}
		})
	}
}

func TestWebhookTemporalDownIs503(t *testing.T) {
	srv, rec := newTestGateway(t)
	rec.err = serviceerror.NewUnavailable("connection refused")
	resp, _ := post(t, srv.URL+"/api/bytebase/webhook?token="+webhookToken, "application/json", fixture(t, "custom-approval.json"))
	if resp.StatusCode != 503 {
		t.Fatalf("status = %d, want 503 so Bytebase retries", resp.StatusCode)
	}
}

func clickPayload(actionID string, value string) map[string]any {
	return slackfake.BlockActionPayload("UALICE", "alice", "C0DBACCESS", "1700000000.000100", actionID, value, "1700000100.123456")
}

func approveValue(t *testing.T, step int) string {
	b, err := json.Marshal(slackui.ButtonValue{WorkflowID: workflows.WorkflowID(bytebase.IssueRef{Project: "project-sample", Number: 123}), Step: step})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestInteractDeliversClick(t *testing.T) {
	srv, rec := newTestGateway(t)
	req, err := slackfake.InteractionRequest(srv.URL+"/api/slack/interact", secret, time.Now(), clickPayload(slackui.ActionApprove, approveValue(t, 2)))
	if err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d (%s)", resp.StatusCode, body)
	}
	if len(rec.signals) != 1 {
		t.Fatalf("signals = %v", rec.signals)
	}
	s := rec.signals[0]
	c := s.arg.(workflows.Click)
	if s.id != "jit/project-sample/123" || s.name != workflows.SignalClick || c.Decision != workflows.Approve || c.Step != 2 ||
		c.UserID != "UALICE" || c.ID != "1700000100.123456/UALICE" || c.Channel != "C0DBACCESS" {
		t.Errorf("signal = %+v", s)
	}
}

func TestInteractSignatureChecks(t *testing.T) {
	payload := clickPayload(slackui.ActionApprove, approveValue(t, 1))
	signed := func(secret string, ts time.Time) *http.Request {
		req, err := slackfake.InteractionRequest("http://placeholder/api/slack/interact", secret, ts, payload)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	cases := map[string]func() *http.Request{
		"wrong secret": func() *http.Request { return signed("not-the-secret", time.Now()) },
		"stale":        func() *http.Request { return signed(secret, time.Now().Add(-6*time.Minute)) },
		"future":       func() *http.Request { return signed(secret, time.Now().Add(6*time.Minute)) },
		"missing headers": func() *http.Request {
			r := signed(secret, time.Now())
			r.Header.Del("X-Slack-Signature")
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		},
		"missing signature": func() *http.Request {
			r := signed(secret, time.Now())
			r.Header.Del("X-Slack-Signature")
			return r
		},
		"tampered body": func() *http.Request {
			r := signed(secret, time.Now())
			b, _ := io.ReadAll(r.Body)
			b = bytes.Replace(b, []byte("UALICE"), []byte("UMALLORY"), 1)
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
			return r
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			srv, rec := newTestGateway(t)
			req := mk()
			u, _ := url.Parse(srv.URL + "/api/slack/interact")
			req.URL, req.Host = u, u.Host
			resp, body := do(t, req)
			if resp.StatusCode != 401 {
				t.Fatalf("status = %d, want 401 (%s)", resp.StatusCode, body)
			}
			if len(rec.signals) != 0 {
				t.Error("an unverified click was delivered")
			}
		})
	}
}

func TestInteractOtherInput(t *testing.T) {
	srv, rec := newTestGateway(t)
	send := func(payload any, raw []byte) (*http.Response, string) {
		var req *http.Request
		var err error
		if raw != nil {
			req, err = http.NewRequest(http.MethodPost, srv.URL+"/api/slack/interact", bytes.NewReader(raw))
			ts := time.Now()
			req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts.Unix(), 10))
			req.Header.Set("X-Slack-Signature", slackfake.Sign(secret, ts, raw))
		} else {
			req, err = slackfake.InteractionRequest(srv.URL+"/api/slack/interact", secret, time.Now(), payload)
		}
		if err != nil {
			t.Fatal(err)
		}
		return do(t, req)
	}
	if resp, _ := send(clickPayload("view_in_bytebase", ""), nil); resp.StatusCode != 200 {
		t.Errorf("unknown action: status %d, want 200", resp.StatusCode)
	}
	if resp, _ := send(map[string]any{"type": "view_closed", "user": map[string]any{"id": "U1"}}, nil); resp.StatusCode != 200 {
		t.Errorf("other interaction type: status %d, want 200", resp.StatusCode)
	}
	if resp, body := send(clickPayload(slackui.ActionApprove, `{"wf":"other/thing/1","step":1}`), nil); resp.StatusCode != 400 || !strings.Contains(body, "error") {
		t.Errorf("foreign button value: status %d %s, want 400", resp.StatusCode, body)
	}
	if resp, body := send(nil, []byte("payload=%7Bnot-json")); resp.StatusCode != 400 || !strings.Contains(body, "error") {
		t.Errorf("bad payload: status %d %s, want 400 JSON", resp.StatusCode, body)
	}
	if resp, _ := send(nil, []byte("nothing=here")); resp.StatusCode != 400 {
		t.Errorf("no payload: status %d, want 400", resp.StatusCode)
	}
	if len(rec.signals) != 0 {
		t.Errorf("signals = %v", rec.signals)
	}

	rec.closed["jit/project-sample/123"] = true
	if resp, _ := send(clickPayload(slackui.ActionApprove, approveValue(t, 1)), nil); resp.StatusCode != 200 {
		t.Errorf("click on a closed request: status %d, want 200", resp.StatusCode)
	}
	rec.err = serviceerror.NewUnavailable("down")
	if resp, _ := send(clickPayload(slackui.ActionApprove, approveValue(t, 1)), nil); resp.StatusCode != 503 {
		t.Errorf("temporal down: status %d, want 503 (the click was not recorded)", resp.StatusCode)
	}
}

func TestHealthz(t *testing.T) {
	srv, _ := newTestGateway(t)
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
}
