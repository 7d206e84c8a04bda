// Package metrics defines jitflow's Prometheus series and bridges the
// Temporal SDK's metrics into the same registry, so one /metrics shows both.
// Nothing here registers globally: each process (and each test) owns its
// registry.
package metrics

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// WebhookOutcome is what became of a Bytebase webhook.
type WebhookOutcome string

const (
	WebhookStarted  WebhookOutcome = "started"  // an approval request was started or joined
	WebhookHinted   WebhookOutcome = "hinted"   // passed to a running request as a hint
	WebhookIgnored  WebhookOutcome = "ignored"  // a hint for an issue with no running request
	WebhookRejected WebhookOutcome = "rejected" // bad token, body or shape, or rate limited (4xx)
	WebhookFailed   WebhookOutcome = "failed"   // Temporal did not take it; Bytebase retries (5xx)
)

// ClickOutcome is what became of a Slack interaction.
type ClickOutcome string

const (
	ClickDelivered ClickOutcome = "delivered" // signalled to its workflow
	ClickClosed    ClickOutcome = "closed"    // its request had already ended
	ClickRefused   ClickOutcome = "refused"   // bad signature or payload, or rate limited (4xx)
	ClickFailed    ClickOutcome = "failed"    // Temporal did not take it; the clicker saw an error (5xx)
)

var (
	webhookOutcomes = []WebhookOutcome{WebhookStarted, WebhookHinted, WebhookIgnored, WebhookRejected, WebhookFailed}
	clickOutcomes   = []ClickOutcome{ClickDelivered, ClickClosed, ClickRefused, ClickFailed}
)

// Series names, for dashboards, alerts and the README.
const (
	NameHTTPRequests    = "jitflow_http_requests_total"
	NameHTTPDuration    = "jitflow_http_request_duration_seconds"
	NameWebhooks        = "jitflow_webhooks_total"
	NameClicks          = "jitflow_clicks_total"
	NameDecisionLatency = "jitflow_request_decision_latency_seconds"
)

// latencyBuckets span a fast HTTP reply (5 ms) to a request decided the next
// day, so the same buckets serve handlers, SDK timers and decisions.
var latencyBuckets = []float64{
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
	60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600,
}

// Metrics are jitflow's own series. A nil *Metrics records nothing, so
// components can take one optionally.
type Metrics struct {
	reg          *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	webhooks     *prometheus.CounterVec
	clicks       *prometheus.CounterVec
}

// NewRegistry is a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// New registers jitflow's series on reg.
func New(reg *prometheus.Registry) (*Metrics, error) {
	m := &Metrics{
		reg: reg,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameHTTPRequests,
			Help: "HTTP requests the gateway answered, by route template, method and status code.",
		}, []string{"route", "method", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    NameHTTPDuration,
			Help:    "Time the gateway took to answer, by route template and method.",
			Buckets: latencyBuckets,
		}, []string{"route", "method"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameWebhooks,
			Help: "Bytebase webhooks by outcome: started, hinted, ignored, rejected, failed.",
		}, []string{"outcome"}),
		clicks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameClicks,
			Help: "Slack interactions by outcome: delivered, closed, refused, failed.",
		}, []string{"outcome"}),
	}
	for _, c := range []prometheus.Collector{m.httpRequests, m.httpDuration, m.webhooks, m.clicks} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register jitflow metrics: %w", err)
		}
	}
	// Zero series from the start, so rate() and absent() alerts work before
	// the first event.
	for _, o := range webhookOutcomes {
		m.webhooks.WithLabelValues(string(o))
	}
	for _, o := range clickOutcomes {
		m.clicks.WithLabelValues(string(o))
	}
	return m, nil
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveHTTP records one answered request. route must be a route template
// (e.g. /api/slack/interact), never a raw URL: query strings carry secrets.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(route, method).Observe(d.Seconds())
}

// Webhook counts one webhook outcome.
func (m *Metrics) Webhook(o WebhookOutcome) {
	if m == nil {
		return
	}
	m.webhooks.WithLabelValues(string(o)).Inc()
}

// Click counts one interaction outcome.
func (m *Metrics) Click(o ClickOutcome) {
	if m == nil {
		return
	}
	m.clicks.WithLabelValues(string(o)).Inc()
}
