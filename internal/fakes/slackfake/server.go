// Package slackfake is a strict, stateful fake of the Slack Web API for
// tests. Point slack-go at it with slack.OptionAPIURL(fake.URL()). It keeps
// what was posted so tests can assert on it, checks tokens, arguments and
// Block Kit limits the way Slack does, and can inject errors, rate limits
// and latency. It also builds signed interaction requests for the inbound
// side.
package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Identities of the fake workspace and of the bot that owns the token.
const (
	TeamID    = "T0FAKE"
	AppID     = "A0FAKE"
	BotUserID = "U0BOT"
	BotID     = "B0BOT"
)

// Options configures a Server.
type Options struct {
	BotToken string // the only token accepted; empty means "xoxb-fake"
	// Clock drives message timestamps, which follow the wall clock as
	// Slack's do (code bounds conversations.history by time); default
	// time.Now.
	Clock func() time.Time
}

// Server is the fake Web API. It is safe for concurrent use.
type Server struct {
	http  *httptest.Server
	token string

	mu sync.Mutex
	st state // guarded by mu
}

// New starts a fake. Close it when done.
func New(opts Options) *Server {
	s := &Server{token: opts.BotToken, st: newState()}
	s.st.clock = opts.Clock
	if s.st.clock == nil {
		s.st.clock = time.Now
	}
	if s.token == "" {
		s.token = "xoxb-fake"
	}
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the Web API base, with the trailing "/api/" slack-go expects.
func (s *Server) URL() string { return s.http.URL + "/api/" }

// Close stops the server.
func (s *Server) Close() { s.http.Close() }

// maxBody caps request bodies; Slack's own limits are far lower.
const maxBody = 10 << 20

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		http.NotFound(w, r)
		return
	}
	// The method is the last path element, so ".../api/" and ".../api//api/"
	// bases both work.
	method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	p, perr := parseParams(r, body)

	s.mu.Lock()
	s.st.calls = append(s.st.calls, Call{Method: method, Params: p.values, Body: body, Time: time.Now()})
	latency := s.st.latency
	s.mu.Unlock()

	if !sleep(r.Context(), latency) {
		return
	}

	s.mu.Lock()
	reply, hold := s.answer(method, p, perr)
	s.mu.Unlock()
	// A held answer has already taken effect: a client that gives up first
	// never learns that, as with a real timeout after Slack accepted a call.
	if !sleep(r.Context(), hold) {
		return
	}
	reply(w)
}

// answer runs one call against the state (s.mu held) and returns the reply
// and how long to hold it back.
func (s *Server) answer(method string, p params, perr *apiError) (reply func(http.ResponseWriter), hold time.Duration) {
	h := route(method)
	switch {
	case h == nil:
		return replyError(fail("unknown_method")), 0
	case perr != nil:
		return replyError(perr), 0
	case p.token != s.token:
		return replyError(fail("invalid_auth")), 0
	}
	f, faulty := s.st.takeFault(method)
	if faulty && f.hold == 0 {
		return f.write, 0
	}
	res, err := h(&s.st, p)
	if err != nil {
		return replyError(err), 0
	}
	// Encode now: the state may change once s.mu is released.
	body, jerr := json.Marshal(okBody(res))
	if jerr != nil {
		return replyError(fail("internal_error", jerr.Error())), 0
	}
	return func(w http.ResponseWriter) { writeRaw(w, http.StatusOK, body) }, f.hold
}

func replyError(e *apiError) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { writeError(w, e) }
}

// sleep waits d, or until the client gives up; it reports whether to go on.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// retryAfter renders d as Slack does: whole seconds, rounded up.
func retryAfter(d time.Duration) string {
	return fmt.Sprint(int64(math.Ceil(d.Seconds())))
}
