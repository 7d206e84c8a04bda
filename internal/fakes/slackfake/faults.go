package slackfake

import (
	"net/http"
	"time"
)

// fault is one injected failure, used up by one call.
type fault struct {
	code       string        // ok:false error code
	retryAfter time.Duration // with rateLimited
	rateLimit  bool
	hold       time.Duration // the call takes effect, then its answer waits this long
}

func (f fault) write(w http.ResponseWriter) {
	if f.rateLimit {
		w.Header().Set("Retry-After", retryAfter(f.retryAfter))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
		return
	}
	writeError(w, fail(f.code))
}

// FailNext makes the next n authenticated calls to method answer
// ok:false with errCode, e.g. "internal_error".
func (s *Server) FailNext(method string, n int, errCode string) {
	s.addFaults(method, n, fault{code: errCode})
}

// RateLimitNext makes the next n authenticated calls to method answer 429
// with Retry-After.
func (s *Server) RateLimitNext(method string, n int, retryAfter time.Duration) {
	s.addFaults(method, n, fault{rateLimit: true, retryAfter: retryAfter})
}

// AcceptThenStallNext makes the next n authenticated calls to method take
// effect (a message is posted) and then hold their answer for d, or until the
// client gives up: Slack accepted the call but the client timed out, so a
// retry would repeat it.
func (s *Server) AcceptThenStallNext(method string, n int, d time.Duration) {
	s.addFaults(method, n, fault{hold: d})
}

// SetLatency delays every later answer by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.latency = d
}

func (s *Server) addFaults(method string, n int, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.st.faults[method] = append(s.st.faults[method], f)
	}
}

// takeFault pops the next fault queued for method.
func (st *state) takeFault(method string) (fault, bool) {
	q := st.faults[method]
	if len(q) == 0 {
		return fault{}, false
	}
	st.faults[method] = q[1:]
	return q[0], true
}
