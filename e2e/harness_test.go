// Package e2e runs jitflow as users run it (`jitflow dev`: a real Temporal
// server in-process, the worker, the gateway over real HTTP) against the fake
// Bytebase and Slack, and drives it the way Bytebase and Slack would.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/app"
	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/fakes/bytebasefake"
	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackui"
	"github.com/jitflow/jitflow/workflows"
)

const (
	project        = "project-sample"
	channel        = "C0DBACCESS"
	serviceAccount = "jit-bot@service.bytebase.com"
	serviceKey     = "bbs_e2e_service_key_secret"
	botToken       = "xoxb-e2e-bot-token-secret"
	signingSecret  = "e2e-signing-secret-0123456789"
	webhookToken   = "e2e-webhook-token-0123456789"
)

var (
	alice = slackfake.User{ID: "UALICE", Name: "alice", RealName: "Alice DBA", Email: "alice@example.com"}
	bob   = slackfake.User{ID: "UBOB", Name: "bob", RealName: "Bob Owner", Email: "bob@example.com"}
	dev   = slackfake.User{ID: "UDEV", Name: "dev", RealName: "Dev User", Email: "dev@example.com"}
	eve   = slackfake.User{ID: "UEVE", Name: "eve", RealName: "Eve Intruder", Email: "eve@example.com"}
)

// harness is one running jitflow with its fakes.
type harness struct {
	t        testing.TB
	bb       *bytebasefake.Server
	slack    *slackfake.Server
	info     app.DevInfo
	stop     func()
	logs     *syncBuffer
	env      map[string]string
	extraEnv [][2]string
	stateDD  string
	uiPort   int
	queue    string // the task queue base
}

type harnessOption func(*harness)

// withEnv sets one more setting (e.g. JIT_POLL_INTERVAL) for the run.
func withEnv(key, value string) harnessOption {
	return func(h *harness) { h.extraEnv = append(h.extraEnv, [2]string{key, value}) }
}

// withStateDir runs on a SQLite file instead of in memory.
func withStateDir(dir string) harnessOption { return func(h *harness) { h.stateDD = dir } }

// withUI also serves the Temporal Web UI (on a free port; see h.info.UIURL).
func withUI() harnessOption {
	return func(h *harness) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			h.t.Fatal(err)
		}
		h.uiPort = l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
	}
}

func newHarness(t testing.TB, opts ...harnessOption) *harness {
	t.Helper()
	h := &harness{t: t, logs: &syncBuffer{}}
	for _, o := range opts {
		o(h)
	}
	h.bb = bytebasefake.New(bytebasefake.Options{ServiceAccount: serviceAccount, ServiceKey: serviceKey})
	t.Cleanup(h.bb.Close)
	h.slack = slackfake.New(slackfake.Options{BotToken: botToken})
	t.Cleanup(h.slack.Close)
	for _, u := range []slackfake.User{alice, bob, dev, eve} {
		h.slack.AddUser(u)
	}
	// Who may approve, as Bytebase sees it: bob owns the project, alice is a
	// DBA through a group; eve holds nothing.
	if err := h.bb.SetIAMPolicy(project, `{"bindings":[{"role":"roles/projectOwner","members":["user:bob@example.com","serviceAccount:`+serviceAccount+`"]}]}`); err != nil {
		t.Fatal(err)
	}
	if err := h.bb.SetIAMPolicy("", `{"bindings":[{"role":"roles/workspaceDBA","members":["group:dbas@example.com","serviceAccount:`+serviceAccount+`"]}]}`); err != nil {
		t.Fatal(err)
	}
	h.bb.SetGroup("dbas@example.com", alice.Email)
	h.env = map[string]string{
		"BB_HOST":              h.bb.URL(),
		"BB_SERVICE_ACCOUNT":   serviceAccount,
		"BB_SERVICE_KEY":       serviceKey,
		"SLACK_BOT_TOKEN":      botToken,
		"SLACK_SIGNING_SECRET": signingSecret,
		"SLACK_CHANNEL":        channel,
		"SLACK_API_URL":        h.slack.URL(),
		"JIT_WEBHOOK_TOKEN":    webhookToken,
	}
	for _, kv := range h.extraEnv {
		h.env[kv[0]] = kv[1]
	}
	h.start()
	return h
}

// start runs `jitflow dev` in-process, as main does, until stop is called.
func (h *harness) start() {
	h.t.Helper()
	cfg, err := config.Load(config.RoleDev, func(k string) (string, bool) { v, ok := h.env[k]; return v, ok })
	if err != nil {
		h.t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	// Everything goes to h.logs (scanned for secrets); warnings also to the test log.
	logger := slog.New(slog.NewMultiHandler(
		slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewTextHandler(testWriter{h.t}, &slog.HandlerOptions{Level: slog.LevelWarn}),
	))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan app.DevInfo, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.RunDev(ctx, cfg, app.DevOptions{
			StateDir: h.stateDD, UIPort: h.uiPort, Listener: l, OnReady: func(i app.DevInfo) { ready <- i },
		}, logger)
	}()
	select {
	case h.info = <-ready:
	case err := <-done:
		cancel()
		h.t.Fatalf("jitflow dev exited: %v", err)
	case <-time.After(90 * time.Second):
		cancel()
		h.t.Fatal("jitflow dev did not become ready")
	}
	stopped := false
	h.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("jitflow dev: %v", err)
		}
	}
	h.t.Cleanup(h.stop)
	h.queue = cfg.TaskQueue
	h.waitSlackLease()
}

// waitSlackLease waits until the process holds the Slack lease, as a
// running jitflow does within moments of starting: until then cards wait in
// their channel's queue instead of taking the fast path.
func (h *harness) waitSlackLease() {
	h.t.Helper()
	c := h.temporal()
	h.waitFor("the Slack lease", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		v, err := c.QueryWorkflow(ctx, workflows.SlackLeaseID(h.queue), "", workflows.QuerySlackLease)
		var st workflows.LeaseState
		return err == nil && v.Get(&st) == nil && st.Holder != "" && time.Until(st.Until) > 0
	})
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// addIssue creates a role request by dev in the fake Bytebase.
func (h *harness) addIssue(stepRoles ...string) int64 {
	return h.bb.AddIssue(bytebasefake.NewIssue{
		Project:     project,
		Description: "Need read access to check the payroll export for INC-4711",
		Requester:   dev.Email,
		Role:        "roles/sqlEditorUser",
		Databases:   []string{"instances/prod-sample-instance/databases/hr_prod"},
		ExpiresAt:   time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
		StepRoles:   stepRoles,
	})
}

// webhook posts an "Approval required" event (Bytebase ≥ 3.17 shape).
func (h *harness) webhook(number int64) int {
	h.t.Helper()
	link := fmt.Sprintf("%s/projects/%s/issues/%d", h.bb.URL(), project, number)
	body := fmt.Sprintf(`{"attachments":[{"color":"#ECB22E","blocks":[
		{"type":"section","text":{"type":"mrkdwn","text":"⚠️ *<%s|Approval required>*"}},
		{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"View in Bytebase"},"url":%q}]}]}]}`, link, link)
	resp, err := http.Post(h.info.WebhookURL, "application/json", strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 && string(b) != "ok" {
		h.t.Fatalf("webhook reply %q, Bytebase needs exactly ok", b)
	}
	return resp.StatusCode
}

// cards are the top-level messages in the channel (not thread replies).
func (h *harness) cards() []slackfake.Message {
	var out []slackfake.Message
	for _, m := range h.slack.Messages(channel) {
		if m.ThreadTS == "" && !m.Ephemeral {
			out = append(out, m)
		}
	}
	return out
}

func (h *harness) card(ts string) slackfake.Message {
	h.t.Helper()
	m, ok := h.slack.Message(channel, ts)
	if !ok {
		h.t.Fatalf("no message %s", ts)
	}
	return m
}

// waitFor polls cond until it holds or 30 s pass.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitCard waits for the nth card and returns it.
func (h *harness) waitCard(n int) slackfake.Message {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("card %d", n), func() bool { return len(h.cards()) >= n })
	return h.cards()[n-1]
}

// cardOf waits for the card of issue n (cards of concurrent requests may be
// posted in either order) and returns it.
func (h *harness) cardOf(n int64) slackfake.Message {
	h.t.Helper()
	want := fmt.Sprintf(`"jit/%s/%d"`, project, n)
	var card slackfake.Message
	h.waitFor("the card of issue "+fmt.Sprint(n), func() bool {
		for _, m := range h.cards() {
			if strings.Contains(string(m.Metadata), want) {
				card = m
				return true
			}
		}
		return false
	})
	return card
}

// button finds an action's button value on a card.
func button(t testing.TB, m slackfake.Message, actionID string) (string, bool) {
	t.Helper()
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatalf("card blocks: %v", err)
	}
	for _, b := range blocks {
		for _, e := range b.Elements {
			if e.ActionID == actionID {
				return e.Value, true
			}
		}
	}
	return "", false
}

var actionSeq int

// click sends a click on the card's button, signed as Slack signs it.
func (h *harness) click(user slackfake.User, m slackfake.Message, actionID string) (int, string) {
	h.t.Helper()
	value, ok := button(h.t, m, actionID)
	if !ok {
		h.t.Fatalf("card %s has no %s button", m.TS, actionID)
	}
	actionSeq++
	actionTS := fmt.Sprintf("1700001000.%06d", actionSeq)
	return h.send(slackfake.BlockActionPayload(user.ID, user.Name, channel, m.TS, actionID, value, actionTS), signingSecret)
}

func (h *harness) send(payload map[string]any, secret string) (int, string) {
	h.t.Helper()
	req, err := slackfake.InteractionRequest(h.info.InteractURL, secret, time.Now(), payload)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (h *harness) issueState(n int64) bytebasefake.IssueState {
	h.t.Helper()
	st, ok := h.bb.State(project, n)
	if !ok {
		h.t.Fatalf("no issue %d", n)
	}
	return st
}

func (h *harness) ephemerals(u slackfake.User) []string {
	var out []string
	for _, m := range h.slack.Ephemerals(u.ID) {
		out = append(out, m.Text)
	}
	return out
}

// cardPosts counts chat.postMessage calls that posted a top-level message to
// the card channel (not thread replies, not DMs).
func (h *harness) cardPosts() int {
	n := 0
	for _, c := range h.slack.Calls() {
		if c.Method == "chat.postMessage" && c.Params["channel"] == channel && c.Params["thread_ts"] == "" {
			n++
		}
	}
	return n
}

// submitDeny submits the i-th opened deny dialog as user, with a reason.
func (h *harness) submitDeny(user slackfake.User, i int, reason string) (int, string) {
	h.t.Helper()
	var view struct {
		PrivateMetadata string `json:"private_metadata"`
	}
	if err := json.Unmarshal(h.slack.Views()[i], &view); err != nil {
		h.t.Fatal(err)
	}
	payload := slackfake.ViewSubmissionPayload(user.ID, fmt.Sprintf("V0DENY%d", i), slackui.DenyModalCallbackID, view.PrivateMetadata,
		map[string]map[string]string{slackui.DenyReasonBlockID: {slackui.DenyReasonActionID: reason}})
	return h.send(payload, signingSecret)
}

// cardText is all the text of a card's blocks, one text object per line.
func cardText(t testing.TB, m slackfake.Message) string {
	t.Helper()
	var blocks any
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatalf("card blocks: %v", err)
	}
	var lines []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["text"].(string); ok {
				lines = append(lines, s)
			}
			for _, k := range []string{"text", "fields", "elements"} {
				walk(v[k])
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(blocks)
	return strings.Join(lines, "\n")
}

// hasButtons reports whether the card still offers Approve/Deny.
func hasButtons(t testing.TB, m slackfake.Message) bool {
	_, a := button(t, m, slackui.ActionApprove)
	_, d := button(t, m, slackui.ActionDeny)
	return a || d
}

// secretsIn returns which secrets appear in s.
func secretsIn(s string) []string {
	var found []string
	for _, sec := range []string{serviceKey, botToken, signingSecret, webhookToken} {
		if strings.Contains(s, sec) {
			found = append(found, sec)
		}
	}
	return found
}

// syncBuffer is a log sink safe for the many goroutines of a running jitflow.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
