package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jitflow/jitflow/internal/app"
	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/fakes/bytebasefake"
	"github.com/jitflow/jitflow/internal/fakes/slackfake"
)

const (
	project        = "project-sample"
	channel        = "C0DBACCESS"
	serviceAccount = "jit-bot@service.bytebase.com"
	serviceKey     = "bbs_bench_service_key_secret"
	botToken       = "xoxb-bench-bot-token-secret"
	signingSecret  = "bench-signing-secret-0123456789"
	webhookToken   = "bench-webhook-token-0123456789"
)

var (
	alice = slackfake.User{ID: "UALICE", Name: "alice", RealName: "Alice DBA", Email: "alice@example.com"}
	dev   = slackfake.User{ID: "UDEV", Name: "dev", RealName: "Dev User", Email: "dev@example.com"}
)

// fakes are the fake Bytebase and Slack with their recording proxies. They
// outlive jitflow processes, so a restarted jitflow meets the same state.
type fakes struct {
	bb       *bytebasefake.Server
	slack    *slackfake.Server
	bbRec    *recorder
	slackRc  *recorder
	channels []string     // card channels; issues go round-robin (see channels.go)
	added    atomic.Int64 // issues added
}

// newFakes starts the fakes; the fake Slack takes any channel ID, so the
// card channels need no setup there.
func newFakes(bbLatency, slackLatency time.Duration, channels []string) (*fakes, error) {
	f := &fakes{
		bb:       bytebasefake.New(bytebasefake.Options{ServiceAccount: serviceAccount, ServiceKey: serviceKey}),
		slack:    slackfake.New(slackfake.Options{BotToken: botToken}),
		channels: channels,
	}
	f.bb.SetLatency(bbLatency)
	f.slack.SetLatency(slackLatency)
	f.bbRec = newRecorder(f.bb.URL())
	f.slackRc = newRecorder(f.slack.URL(), channels...)
	for _, u := range []slackfake.User{alice, dev} {
		f.slack.AddUser(u)
	}
	// alice approves as a DBA through a group, as in the e2e harness.
	if err := f.bb.SetIAMPolicy(project, `{"bindings":[{"role":"roles/projectOwner","members":["serviceAccount:`+serviceAccount+`"]}]}`); err != nil {
		f.Close()
		return nil, fmt.Errorf("project IAM: %w", err)
	}
	if err := f.bb.SetIAMPolicy("", `{"bindings":[{"role":"roles/workspaceDBA","members":["group:dbas@example.com","serviceAccount:`+serviceAccount+`"]}]}`); err != nil {
		f.Close()
		return nil, fmt.Errorf("workspace IAM: %w", err)
	}
	f.bb.SetGroup("dbas@example.com", alice.Email)
	return f, nil
}

func (f *fakes) Close() {
	f.bbRec.Close()
	f.slackRc.Close()
	f.bb.Close()
	f.slack.Close()
}

// env is jitflow's configuration pointing at the fakes through the proxies.
func (f *fakes) env(extra map[string]string) map[string]string {
	env := map[string]string{
		"BB_HOST":                f.bbRec.URL(),
		"BB_SERVICE_ACCOUNT":     serviceAccount,
		"BB_SERVICE_KEY":         serviceKey,
		"SLACK_BOT_TOKEN":        botToken,
		"SLACK_SIGNING_SECRET":   signingSecret,
		"SLACK_CHANNEL":          channel,
		"SLACK_API_URL":          f.slackRc.URL(),
		"JIT_WEBHOOK_TOKEN":      webhookToken,
		"JIT_POLL_INTERVAL":      "0",
		"JIT_RECONCILE_INTERVAL": "1m",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// addIssue creates a one-step role request by dev, on a database of the
// instance routed to the next card channel.
func (f *fakes) addIssue() int64 {
	i := int(f.added.Add(1)-1) % len(f.channels)
	return f.bb.AddIssue(bytebasefake.NewIssue{
		Project:     project,
		Description: "Need read access to check the payroll export for INC-4711",
		Requester:   dev.Email,
		Role:        "roles/sqlEditorUser",
		Databases:   []string{"instances/" + instanceFor(i) + "/databases/hr_prod"},
		ExpiresAt:   time.Now().Add(30 * 24 * time.Hour),
		StepRoles:   []string{"roles/workspaceDBA"},
	})
}

// devInstance is `jitflow dev` running in this process, as main runs it.
type devInstance struct {
	info app.DevInfo
	stop func() error
}

func startDev(ctx context.Context, env map[string]string, stateDir string, logger *slog.Logger) (*devInstance, error) {
	cfg, err := config.Load(config.RoleDev, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("gateway listener: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	ready := make(chan app.DevInfo, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.RunDev(ctx, cfg, app.DevOptions{
			StateDir: stateDir, Listener: l, OnReady: func(i app.DevInfo) { ready <- i },
		}, logger)
	}()
	select {
	case info := <-ready:
		return &devInstance{info: info, stop: func() error {
			cancel()
			return <-done
		}}, nil
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("jitflow dev exited: %w", err)
	case <-time.After(readyTimeout):
		cancel()
		return nil, fmt.Errorf("jitflow dev did not become ready in %s", readyTimeout)
	}
}

// driver sends what Bytebase and Slack send to the gateway. The gateway
// limits requests per client IP (10/s, burst 40), while Slack and Bytebase
// call from several addresses: requests go round-robin from 16 loopback
// source addresses, and a 429 is retried after its Retry-After.
type driver struct {
	clients     []*http.Client
	next        atomic.Uint64
	retries     atomic.Int64 // 429s retried
	resent      atomic.Int64 // webhooks answered 503 and sent again
	webhookURL  string
	interactURL string
	bbURL       string
}

const sourceIPs = 16

func newDriver(webhookURL, interactURL, bbURL string) *driver {
	d := &driver{webhookURL: webhookURL, interactURL: interactURL, bbURL: bbURL}
	for i := range sourceIPs {
		dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i))}, Timeout: 5 * time.Second}
		d.clients = append(d.clients, &http.Client{Timeout: 30 * time.Second,
			Transport: &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 64}})
	}
	return d
}

// webhook posts an "Approval required" event (Bytebase ≥ 3.17 shape).
func (d *driver) webhook(ctx context.Context, number int64) error {
	link := fmt.Sprintf("%s/projects/%s/issues/%d", d.bbURL, project, number)
	body := fmt.Sprintf(`{"attachments":[{"color":"#ECB22E","blocks":[
		{"type":"section","text":{"type":"mrkdwn","text":"⚠️ *<%s|Approval required>*"}},
		{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"View in Bytebase"},"url":%q}]}]}]}`, link, link)
	return d.do(ctx, fmt.Sprintf("webhook for issue %d", number), true, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.webhookURL, strings.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	})
}

// click sends a signed block_actions payload, as Slack does.
func (d *driver) click(ctx context.Context, user slackfake.User, c card, actionID, value, actionTS string) error {
	payload := slackfake.BlockActionPayload(user.ID, user.Name, c.channel, c.ts, actionID, value, actionTS)
	return d.do(ctx, "click on "+c.ts, false, func() (*http.Request, error) {
		req, err := slackfake.InteractionRequest(d.interactURL, signingSecret, time.Now(), payload)
		if err != nil {
			return nil, err
		}
		return req.WithContext(ctx), nil
	})
}

// webhookResends bounds how often a webhook answered 503 (Temporal did not
// take the request in time) is sent again, a second apart, as a webhook
// sender retries; a click is not (Slack does not retry interactions).
const webhookResends = 5

func (d *driver) do(ctx context.Context, what string, resend503 bool, newReq func() (*http.Request, error)) error {
	resends := 0
	for {
		req, err := newReq()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		c := d.clients[d.next.Add(1)%uint64(len(d.clients))]
		resp, err := c.Do(req)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			return nil
		case resp.StatusCode == http.StatusTooManyRequests:
			d.retries.Add(1)
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s: %w", what, ctx.Err())
			case <-time.After(time.Duration(max(wait, 1)) * time.Second):
			}
		case resp.StatusCode == http.StatusServiceUnavailable && resend503 && resends < webhookResends:
			resends++
			d.resent.Add(1)
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s: %w", what, ctx.Err())
			case <-time.After(time.Second):
			}
		default:
			return fmt.Errorf("%s: HTTP %d %s", what, resp.StatusCode, strings.TrimSpace(string(b)))
		}
	}
}

// waitUntil polls cond every 5 ms until it holds, ctx ends or timeout passes.
func waitUntil(ctx context.Context, timeout time.Duration, what string, cond func() bool) error {
	return waitEvery(ctx, 5*time.Millisecond, timeout, what, cond)
}

// waitEvery is waitUntil polling every interval, for conditions that cost
// the system under test a query.
func waitEvery(ctx context.Context, interval, timeout time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s", timeout, what)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-time.After(interval):
		}
	}
	return nil
}
