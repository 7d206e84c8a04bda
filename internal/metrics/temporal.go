package metrics

import (
	"io"
	"time"

	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// decisionTimer is the SDK timer behind NameDecisionLatency; the Prometheus
// naming scope appends _seconds.
const decisionTimer = "jitflow_request_decision_latency"

// TemporalHandler is a Temporal SDK metrics handler (client.Options
// MetricsHandler) that reports into m's registry: the SDK's temporal_* series
// and whatever workflows and activities record through it. onError hears
// about series the reporter could not register (it would panic otherwise).
// Close the returned Closer on shutdown to stop the reporting loop.
func (m *Metrics) TemporalHandler(onError func(error)) (client.MetricsHandler, io.Closer) {
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:              m.reg,
		DefaultTimerType:        tallyprom.HistogramTimerType,
		DefaultHistogramBuckets: latencyBuckets,
		OnRegisterError:         onError,
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:         reporter,
		Separator:              tallyprom.DefaultSeparator,
		SanitizeOptions:        &sdktally.PrometheusSanitizeOptions,
		OmitCardinalityMetrics: true,
	}, time.Second)
	return sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope)), closer
}

// RecordDecision records how long a request waited from being asked for to
// being decided, by outcome (approved, denied, expired, ...). h is
// workflow.GetMetricsHandler(ctx) in a workflow (replay-safe) or
// activity.GetMetricsHandler(ctx) in an activity.
func RecordDecision(h client.MetricsHandler, outcome string, requested, decided time.Time) {
	if h == nil || requested.IsZero() || decided.Before(requested) {
		return
	}
	h.WithTags(map[string]string{"outcome": outcome}).Timer(decisionTimer).Record(decided.Sub(requested))
}
