package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackui"
)

// Latency benchmarks of the whole dev process (embedded server, worker and
// gateway in one process, zero-latency fakes). Run with a fixed count, e.g.
//
//	go test ./e2e -run '^$' -bench . -benchtime 200x
//
// They report p50/p99 in milliseconds next to Go's mean ns/op.

func reportPercentiles(b *testing.B, d []time.Duration) {
	slices.Sort(d)
	at := func(q float64) float64 {
		return float64(d[min(len(d)-1, int(q*float64(len(d))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// BenchmarkWebhookToCard: webhook POST until the card reaches Slack.
func BenchmarkWebhookToCard(b *testing.B) {
	h := newHarness(b)
	issues := make([]int64, b.N)
	for i := range issues {
		issues[i] = h.addIssue("roles/workspaceDBA")
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i, n := range issues {
		start := time.Now()
		if code := h.webhook(n); code != 200 {
			b.Fatalf("webhook: %d", code)
		}
		for h.slack.CallCount("chat.postMessage") < i+1 {
			time.Sleep(100 * time.Microsecond)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

// BenchmarkClickReply: a signed Approve click until the gateway's 200, which
// is sent only once the click is durable in the workflow's history.
func BenchmarkClickReply(b *testing.B) {
	h := newHarness(b)
	cards := make([]slackfake.Message, b.N)
	for i := range cards {
		h.webhook(h.addIssue("roles/workspaceDBA"))
		cards[i] = h.waitCard(i + 1)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i, c := range cards {
		start := time.Now()
		code, body := h.click(alice, c, slackui.ActionApprove)
		lat = append(lat, time.Since(start))
		if code != http.StatusOK {
			b.Fatalf("click %d: %d %s", i, code, body)
		}
	}
	b.StopTimer()
	reportPercentiles(b, lat)
	h.waitFor(fmt.Sprintf("%d approvals", b.N), func() bool { return len(h.bb.CallsTo(":approve")) == b.N })
}
