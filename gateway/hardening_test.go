package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"go.temporal.io/api/serviceerror"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/health"
	"github.com/jitflow/jitflow/internal/metrics"
	"github.com/jitflow/jitflow/internal/slackui"
)

// hardened is a gateway with metrics, a log buffer and any config tweaks.
type hardened struct {
	srv  *httptest.Server
	e    *echo.Echo
	rec  *recorder
	m    *metrics.Metrics
	logs *bytes.Buffer
}

func newHardened(t *testing.T, tweak func(*Config)) *hardened {
	t.Helper()
	m, err := metrics.New(metrics.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	h := &hardened{rec: newRecorder(), m: m, logs: &bytes.Buffer{}}
	cfg := Config{Temporal: h.rec, TaskQueue: "q", SigningSecret: secret, WebhookToken: webhookToken,
		Metrics: m, Logger: slog.New(slog.NewJSONHandler(h.logs, nil))}
	if tweak != nil {
		tweak(&cfg)
	}
	h.e = New(cfg)
	h.srv = httptest.NewServer(h.e)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hardened) get(t *testing.T, path string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return do(t, req)
}

func (h *hardened) webhook(t *testing.T, token string, body []byte) (*http.Response, string) {
	t.Helper()
	return post(t, h.srv.URL+routeWebhook+"?token="+token, "application/json", body)
}

func (h *hardened) click(t *testing.T, signingSecret string) (*http.Response, string) {
	t.Helper()
	req, err := slackfake.InteractionRequest(h.srv.URL+routeInteract, signingSecret, time.Now(), clickPayload(slackui.ActionApprove, approveValue(t, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func TestRequestIDOnEveryResponse(t *testing.T) {
	h := newHardened(t, func(c *Config) { c.RateLimit = RateLimit{PerSecond: 0.001, Burst: 1} })
	h.e.GET("/boom", func(echo.Context) error { panic("boom") })
	good := fixture(t, "custom-approval.json")
	replies := map[string]func() (*http.Response, string){
		"200 healthz": func() (*http.Response, string) { return h.get(t, "/healthz", nil) },
		"404 unknown": func() (*http.Response, string) { return h.get(t, "/wp-login.php", nil) },
		"405 method":  func() (*http.Response, string) { return h.get(t, routeWebhook, nil) },
		"401 token":   func() (*http.Response, string) { return h.webhook(t, "wrong", good) },
		"429 limited": func() (*http.Response, string) { return h.webhook(t, "wrong", good) },
		"500 panic":   func() (*http.Response, string) { return h.get(t, "/boom", nil) },
		"413 too large": func() (*http.Response, string) {
			return post(t, h.srv.URL+routeInteract, "application/x-www-form-urlencoded", bytes.Repeat([]byte("a"), interactBodyLimit+1))
		},
	}
	for _, name := range []string{"200 healthz", "404 unknown", "405 method", "401 token", "429 limited", "500 panic", "413 too large"} {
		resp, body := replies[name]()
		rid := resp.Header.Get(echo.HeaderXRequestID)
		if want := name[:3]; fmt.Sprint(resp.StatusCode) != want {
			t.Errorf("%s: status %d", name, resp.StatusCode)
		}
		if rid == "" {
			t.Errorf("%s: no X-Request-ID", name)
		}
		if resp.StatusCode >= 400 {
			var e errorBody
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" || e.RequestID != rid {
				t.Errorf("%s: body %q, want a JSON error carrying request ID %q", name, body, rid)
			}
		}
	}

	resp, _ := h.get(t, "/healthz", http.Header{"X-Request-Id": {"lb-0f3a9c.7"}})
	if got := resp.Header.Get(echo.HeaderXRequestID); got != "lb-0f3a9c.7" {
		t.Errorf("a proxy's request ID was replaced by %q", got)
	}
	for _, bad := range []string{strings.Repeat("a", 129), "x\" level=ERROR msg=forged", "<script>"} {
		resp, _ := h.get(t, "/healthz", http.Header{"X-Request-Id": {bad}})
		if got := resp.Header.Get(echo.HeaderXRequestID); got == bad || got == "" {
			t.Errorf("caller's request ID %q: reply carries %q, want a fresh one", bad, got)
		}
	}
}

func TestPanicBecomesJSON500WithoutStack(t *testing.T) {
	h := newHardened(t, nil)
	h.e.POST("/explode", func(echo.Context) error { panic(fmt.Errorf("nil map in handler %s", "detail-xyz")) })
	resp, body := post(t, h.srv.URL+"/explode", "application/json", []byte(`{}`))
	rid := resp.Header.Get(echo.HeaderXRequestID)
	if resp.StatusCode != 500 {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	var e errorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error != "internal error" || e.RequestID != rid || rid == "" {
		t.Errorf("body %q, want {error: internal error, request_id: %q}", body, rid)
	}
	for _, leak := range []string{"goroutine", "detail-xyz", ".go:", "panic"} {
		if strings.Contains(body, leak) {
			t.Errorf("the client sees %q: %s", leak, body)
		}
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "handler panicked") || !strings.Contains(logs, "detail-xyz") ||
		!strings.Contains(logs, "goroutine") || !strings.Contains(logs, rid) {
		t.Errorf("the operator's log lacks the panic, its stack or the request ID:\n%s", logs)
	}
	// The server survives: the next request is served.
	if resp, _ := h.get(t, "/healthz", nil); resp.StatusCode != 200 {
		t.Errorf("after a panic /healthz answers %d", resp.StatusCode)
	}
}

func TestBodyLimits(t *testing.T) {
	h := newHardened(t, nil)
	huge := bytes.Repeat([]byte("a"), interactBodyLimit+1)
	resp, body := post(t, h.srv.URL+routeInteract, "application/x-www-form-urlencoded", huge)
	if resp.StatusCode != 413 || !strings.Contains(body, "body larger than 1 MiB") {
		t.Errorf("oversized Slack body: %d %s", resp.StatusCode, body)
	}
	if len(h.rec.signals) != 0 {
		t.Error("an oversized body was acted on")
	}

	// A route with a smaller limit: refused by Content-Length up front, and
	// while reading when the length is not announced (chunked).
	e := echo.New()
	e.HTTPErrorHandler = (&gateway{log: slog.New(slog.DiscardHandler)}).handleError
	e.POST("/small", func(c echo.Context) error {
		b, err := readBody(c)
		if err != nil {
			return err
		}
		return c.String(200, fmt.Sprint(len(b)))
	}, limitBody(1024))
	srv := httptest.NewServer(e)
	defer srv.Close()
	for _, chunked := range []bool{false, true} {
		var r io.Reader = bytes.NewReader(make([]byte, 2048))
		if chunked {
			r = io.MultiReader(r) // hides the length: sent chunked
		}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/small", r)
		resp, body := do(t, req)
		if resp.StatusCode != 413 || !strings.Contains(body, "body larger than 1 KiB") {
			t.Errorf("chunked=%v: %d %s, want 413", chunked, resp.StatusCode, body)
		}
	}
	if resp, body := post(t, srv.URL+"/small", "application/octet-stream", make([]byte, 1024)); resp.StatusCode != 200 || body != "1024" {
		t.Errorf("a body at the limit: %d %s", resp.StatusCode, body)
	}
}

func TestRateLimitPerIP(t *testing.T) {
	l := newIPLimiter(RateLimit{PerSecond: 2, Burst: 3, MaxIPs: 10})
	now := time.Unix(1_700_000_000, 0)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.allow("203.0.113.7"); !ok {
			t.Fatalf("request %d inside the burst refused", i+1)
		}
	}
	ok, wait := l.allow("203.0.113.7")
	if ok || wait <= 0 || wait > 500*time.Millisecond {
		t.Fatalf("4th request: allowed=%v wait=%s, want refused with ≤ 0.5 s to wait at 2/s", ok, wait)
	}
	if ok, _ := l.allow("198.51.100.1"); !ok {
		t.Error("another IP was limited by the first one's burst")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow("203.0.113.7"); !ok {
		t.Error("no token after waiting for one")
	}

	// Over HTTP: public endpoints answer 429 with Retry-After, probes never do.
	h := newHardened(t, func(c *Config) { c.RateLimit = RateLimit{PerSecond: 0.01, Burst: 2} })
	for range 2 {
		if resp, _ := h.webhook(t, "wrong", []byte(`{}`)); resp.StatusCode != 401 {
			t.Fatalf("inside the burst: %d", resp.StatusCode)
		}
	}
	resp, body := h.webhook(t, webhookToken, fixture(t, "custom-approval.json"))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "too many requests") {
		t.Errorf("over the limit: %d Retry-After=%q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if resp, _ := h.click(t, secret); resp.StatusCode != 200 {
		t.Errorf("the Slack endpoint was limited by the webhook's bucket: %d", resp.StatusCode)
	}
	for range 5 {
		if resp, _ := h.get(t, "/healthz", nil); resp.StatusCode != 200 {
			t.Fatalf("probe limited: %d", resp.StatusCode)
		}
	}
	if len(h.rec.starts) != 0 {
		t.Error("a rate-limited webhook started a workflow")
	}
}

func TestRateLimiterMemoryIsBounded(t *testing.T) {
	l := newIPLimiter(RateLimit{PerSecond: 1, Burst: 1, MaxIPs: 100})
	for i := range 5000 {
		l.allow(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		if n := l.size(); n > 100 {
			t.Fatalf("%d buckets after %d IPs, bound is 100", n, i+1)
		}
	}
	// The most recent IP keeps its (empty) bucket; the oldest were forgotten.
	if ok, _ := l.allow("10.0.19.135"); ok { // i = 4999
		t.Error("the most recent IP's bucket was lost")
	}
	if ok, _ := l.allow("10.0.0.0"); !ok {
		t.Error("the oldest IP still has its bucket")
	}
}

func TestServerTimeouts(t *testing.T) {
	if DefaultTimeouts.ReadHeader <= 0 || DefaultTimeouts.Read <= 0 || DefaultTimeouts.Write <= 0 || DefaultTimeouts.Idle <= 0 {
		t.Fatalf("a default timeout is off: %+v", DefaultTimeouts)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, l, New(Config{Temporal: newRecorder()}), Timeouts{
			ReadHeader: 100 * time.Millisecond, Read: time.Second, Write: time.Second, Idle: time.Second, Shutdown: time.Second})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	// A client that never finishes its headers is cut off.
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(conn); err != nil {
		t.Fatalf("slow-header connection still open: %v", err)
	}

	// Oversized headers are refused.
	conn2, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	fmt.Fprintf(conn2, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", maxHeaderBytes+4096))
	resp, err := http.ReadResponse(bufio.NewReader(conn2), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("oversized headers: %d, want 431", resp.StatusCode)
	}
}

func TestMetricsCountOutcomes(t *testing.T) {
	h := newHardened(t, nil)
	approval := fixture(t, "custom-approval.json")
	hint := []byte(`{"text":"Issue sent back","blocks":[{"type":"actions","elements":[{"type":"button","url":"https://bb/projects/p/issues/7"}]}]}`)

	h.webhook(t, webhookToken, approval) // started
	h.webhook(t, webhookToken, hint)     // hinted
	h.rec.closed["jit/p/7"] = true
	h.webhook(t, webhookToken, hint) // ignored
	h.webhook(t, "wrong", approval)  // rejected
	h.click(t, secret)               // delivered
	h.click(t, "forged")             // refused
	h.rec.closed["jit/project-sample/123"] = true
	h.click(t, secret) // closed
	h.rec.err = serviceerror.NewUnavailable("down")
	h.webhook(t, webhookToken, approval) // failed
	h.click(t, secret)                   // failed
	h.get(t, "/.env", nil)

	resp, out := h.get(t, "/metrics", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`jitflow_webhooks_total{outcome="started"} 1`,
		`jitflow_webhooks_total{outcome="hinted"} 1`,
		`jitflow_webhooks_total{outcome="ignored"} 1`,
		`jitflow_webhooks_total{outcome="rejected"} 1`,
		`jitflow_webhooks_total{outcome="failed"} 1`,
		`jitflow_clicks_total{outcome="delivered"} 1`,
		`jitflow_clicks_total{outcome="closed"} 1`,
		`jitflow_clicks_total{outcome="refused"} 1`,
		`jitflow_clicks_total{outcome="failed"} 1`,
		`jitflow_http_requests_total{method="POST",route="/api/bytebase/webhook",status="200"} 3`,
		`jitflow_http_requests_total{method="POST",route="/api/bytebase/webhook",status="503"} 1`,
		`jitflow_http_requests_total{method="POST",route="/api/slack/interact",status="401"} 1`,
		`jitflow_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`jitflow_http_request_duration_seconds_count{method="POST",route="/api/slack/interact"} 4`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(out, webhookToken) || strings.Contains(out, ".env") {
		t.Error("a token or a scanner's path became a label value")
	}
}

type fixedReport health.Report

func (r fixedReport) Report(context.Context) health.Report { return health.Report(r) }

func TestReadyz(t *testing.T) {
	down := fixedReport{Status: health.StatusUnavailable, Checks: []health.Result{
		{Name: "temporal", OK: true},
		{Name: "slack", OK: false, Error: "slack auth.test: invalid_auth"},
	}}
	h := newHardened(t, func(c *Config) { c.Readiness = down })
	resp, body := h.get(t, "/readyz", nil)
	var rep health.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatalf("%q: %v", body, err)
	}
	if resp.StatusCode != 503 || rep.Status != "unavailable" || len(rep.Checks) != 2 || rep.Checks[1].Error != "slack auth.test: invalid_auth" {
		t.Errorf("not ready: %d %s", resp.StatusCode, body)
	}
	if resp, _ := h.get(t, "/healthz", nil); resp.StatusCode != 200 {
		t.Errorf("/healthz follows readiness: %d", resp.StatusCode)
	}
	up := newHardened(t, func(c *Config) {
		c.Readiness = fixedReport{Status: health.StatusOK, Checks: []health.Result{{Name: "temporal", OK: true}}}
	})
	if resp, body := up.get(t, "/readyz", nil); resp.StatusCode != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("ready: %d %s", resp.StatusCode, body)
	}
}

// BenchmarkRateLimiter is the per-request cost of the limiter with its
// address table full.
func BenchmarkRateLimiter(b *testing.B) {
	l := newIPLimiter(RateLimit{PerSecond: 1e9, Burst: 1 << 30, MaxIPs: 10_000})
	ips := make([]string, 20_000)
	for i := range ips {
		ips[i] = fmt.Sprintf("10.0.%d.%d", i>>8&255, i&255)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		l.allow(ips[i%len(ips)])
	}
}
