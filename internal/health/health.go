// Package health answers liveness and readiness probes. Readiness runs each
// dependency check (Temporal, Bytebase, Slack) at most once per TTL however
// often it is probed, so a busy load balancer can't hammer the dependencies.
package health

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Check is one dependency check.
type Check struct {
	Name string
	Run  func(context.Context) error
}

// Result is one check's outcome.
type Result struct {
	Name       string `json:"name"`
	OK         bool   `json:"ok"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// Report is the readiness answer.
type Report struct {
	Status    string    `json:"status"` // "ok" or "unavailable"
	Checks    []Result  `json:"checks"`
	CheckedAt time.Time `json:"checked_at"`
}

// OK reports whether every check passed.
func (r Report) OK() bool { return r.Status == StatusOK }

const (
	StatusOK          = "ok"
	StatusUnavailable = "unavailable"
)

// Reporter produces readiness reports; *Checker is one.
type Reporter interface {
	Report(ctx context.Context) Report
}

// Options tune a Checker.
type Options struct {
	TTL     time.Duration // how long a report is reused; default 5s
	Timeout time.Duration // per check; default 3s
	// Secrets are cut out of error messages before they are shown.
	Secrets []string
	Now     func() time.Time // default time.Now
}

// Checker runs checks and caches the report.
type Checker struct {
	checks []Check
	opts   Options

	mu   sync.Mutex // held while checking, so concurrent probes share one run
	last Report
}

// NewChecker returns a Checker for checks.
func NewChecker(checks []Check, opts Options) *Checker {
	if opts.TTL <= 0 {
		opts.TTL = 5 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 3 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Checker{checks: checks, opts: opts}
}

// Report returns the cached report, or runs every check (in parallel) when it
// is older than the TTL.
func (c *Checker) Report(ctx context.Context) Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.last.CheckedAt.IsZero() && c.opts.Now().Sub(c.last.CheckedAt) < c.opts.TTL {
		return c.last
	}
	// Detached from the probe's context: one impatient prober must not
	// cache a failure for everyone.
	ctx = context.WithoutCancel(ctx)
	results := make([]Result, len(c.checks))
	var wg sync.WaitGroup
	for i, chk := range c.checks {
		wg.Go(func() { results[i] = c.run(ctx, chk) })
	}
	wg.Wait()
	rep := Report{Status: StatusOK, Checks: results, CheckedAt: c.opts.Now()}
	for _, r := range results {
		if !r.OK {
			rep.Status = StatusUnavailable
		}
	}
	c.last = rep
	return rep
}

func (c *Checker) run(ctx context.Context, chk Check) Result {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	start := time.Now()
	err := chk.Run(ctx)
	res := Result{Name: chk.Name, OK: err == nil, DurationMS: time.Since(start).Milliseconds()}
	if err != nil {
		res.Error = c.redact(err.Error())
	}
	return res
}

func (c *Checker) redact(msg string) string {
	for _, s := range c.opts.Secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}

// Handler answers /readyz: 200 with the report when every check passes, 503
// with it otherwise. A nil Reporter has nothing to check and is ready.
func Handler(r Reporter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rep := Report{Status: StatusOK, Checks: []Result{}}
		if r != nil {
			rep = r.Report(req.Context())
		}
		code := http.StatusOK
		if !rep.OK() {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, rep)
	})
}

// LiveHandler answers /healthz: the process is up and serving.
func LiveHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": StatusOK})
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
