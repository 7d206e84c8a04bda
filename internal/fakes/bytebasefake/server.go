// Package bytebasefake is a stateful, strict stand-in for Bytebase's REST API
// (≥3.17 JSON shapes), served over real HTTP for tests. It answers with
// Bytebase's error bodies, HTTP statuses and gRPC codes, expires tokens,
// rejects unknown request fields, and can inject failures.
package bytebasefake

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Options configures a Server.
type Options struct {
	ServiceAccount string        // the only account that can log in, e.g. jit-bot@service.bytebase.com
	ServiceKey     string        // its password
	TokenTTL       time.Duration // default 1h, as in Bytebase
	Clock          func() time.Time
}

// Call is one request the server received.
type Call struct {
	Method string
	Path   string
	Query  string // raw query
	Body   string
	Status int
}

// Server is a fake Bytebase. Create it with New and Close it when done.
type Server struct {
	ts      *httptest.Server
	account string
	key     string
	ttl     time.Duration
	now     func() time.Time

	mu                   sync.Mutex
	issues               map[issueKey]*issue
	nextNumber           int64
	tokens               map[string]*token
	pageTokens           map[string]pageCursor
	calls                []Call
	failNext             int
	failSuffix           string
	failStatus           int
	down                 bool
	latency              time.Duration
	loginFailures        []time.Time
	logins               int
	iam                  map[string]json.RawMessage // "" is the workspace
	groups               map[string][]string        // group email → member emails
	enforceRoles         bool
	rejectApprovalFilter bool
	pageCap              int // 0: maxPageSize
}

type token struct {
	expires time.Time
	revoked bool
}

// Login throttling, as in Bytebase.
const (
	maxLoginFailures   = 10
	loginFailureWindow = 10 * time.Minute
	maxRequestBody     = 1 << 20
)

// New starts a fake Bytebase. The caller must Close it.
func New(opts Options) *Server {
	s := &Server{
		account:    opts.ServiceAccount,
		key:        opts.ServiceKey,
		ttl:        opts.TokenTTL,
		now:        opts.Clock,
		issues:     make(map[issueKey]*issue),
		nextNumber: 100,
		tokens:     make(map[string]*token),
		pageTokens: make(map[string]pageCursor),
		iam:        make(map[string]json.RawMessage),
		groups:     make(map[string][]string),
	}
	if s.ttl <= 0 {
		s.ttl = time.Hour
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL returns the base URL, e.g. http://127.0.0.1:port.
func (s *Server) URL() string { return s.ts.URL }

// Close shuts the server down.
func (s *Server) Close() { s.ts.Close() }

// Calls returns every request received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the calls whose path ends with suffix, e.g. ":approve".
func (s *Server) CallsTo(suffix string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if strings.HasSuffix(c.Path, suffix) {
			out = append(out, c)
		}
	}
	return out
}

// FailNext makes the next n requests other than logins answer with status and
// an error body, without touching any state.
func (s *Server) FailNext(n int, status int) { s.FailNextOn("", n, status) }

// FailNextOn is FailNext for requests whose path ends in suffix (e.g.
// ":search"), so that other traffic doesn't use up the failures.
func (s *Server) FailNextOn(suffix string, n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.failStatus, s.failSuffix = n, status, suffix
}

// SetDown makes every request, logins included, answer 503.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// SetLatency delays every response by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// ExpireTokens invalidates every token issued so far.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.revoked = true
	}
}

// Logins returns the number of successful logins.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// SetRejectApprovalStatusFilter makes search reject the approval_status filter
// key with 400, as Bytebase before ~3.12 does.
func (s *Server) SetRejectApprovalStatusFilter(reject bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectApprovalFilter = reject
}

// apiError is an error answer in Bytebase's shape.
type apiError struct {
	status  int
	code    int
	message string
}

func errorf(status, code int, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// gRPC codes used in error bodies.
const (
	codeUnknown            = 2
	codeInvalidArgument    = 3
	codeDeadlineExceeded   = 4
	codeNotFound           = 5
	codePermissionDenied   = 7
	codeResourceExhausted  = 8
	codeFailedPrecondition = 9
	codeInternal           = 13
	codeUnavailable        = 14
	codeUnauthenticated    = 16
)

func codeForStatus(status int) int {
	switch status {
	case http.StatusInternalServerError:
		return codeInternal
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		return codeUnavailable
	case http.StatusGatewayTimeout:
		return codeDeadlineExceeded
	case http.StatusTooManyRequests:
		return codeResourceExhausted
	case http.StatusUnauthorized:
		return codeUnauthenticated
	case http.StatusForbidden:
		return codePermissionDenied
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusBadRequest:
		return codeInvalidArgument
	}
	return codeUnknown
}

// handler answers one routed request; it runs with s.mu held.
type handler func(r *http.Request, body []byte) (any, *apiError)

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	call := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body)}

	s.mu.Lock()
	latency := s.latency
	s.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
		}
	}

	s.mu.Lock()
	var resp any
	var apiErr *apiError
	if err != nil {
		apiErr = errorf(http.StatusBadRequest, codeInvalidArgument, "read request body: %v", err)
	} else {
		resp, apiErr = s.dispatch(r, body)
	}
	call.Status = http.StatusOK
	if apiErr != nil {
		call.Status = apiErr.status
	}
	s.calls = append(s.calls, call)
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if apiErr != nil {
		w.WriteHeader(apiErr.status)
		_ = json.NewEncoder(w).Encode(struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}{apiErr.code, apiErr.message})
		return
	}
	_ = json.NewEncoder(w).Encode(resp)
}

// dispatch applies failure injection, routing and authentication, in the
// order a request meets them in front of and inside Bytebase.
func (s *Server) dispatch(r *http.Request, body []byte) (any, *apiError) {
	if s.down {
		return nil, errorf(http.StatusServiceUnavailable, codeUnavailable, "service unavailable")
	}
	login := r.URL.Path == "/v1/auth/login"
	if !login && s.failNext > 0 && strings.HasSuffix(r.URL.Path, s.failSuffix) {
		s.failNext--
		return nil, errorf(s.failStatus, codeForStatus(s.failStatus), "injected failure")
	}
	h := s.route(r)
	if h == nil {
		return nil, errorf(http.StatusNotFound, codeNotFound, "Not Found")
	}
	if !login {
		if e := s.authenticate(r); e != nil {
			return nil, e
		}
	}
	return h(r, body)
}

// route maps method and path to a handler, or nil for an unknown route.
func (s *Server) route(r *http.Request) handler {
	path, get, post := r.URL.Path, r.Method == http.MethodGet, r.Method == http.MethodPost
	switch {
	case path == "/v1/auth/login" && post:
		return s.handleLogin
	case path == "/v1/workspaces/-:getIamPolicy" && get:
		return s.iamHandler("")
	case strings.HasPrefix(path, "/v1/groups/") && get:
		return s.groupHandler(strings.TrimPrefix(path, "/v1/groups/"))
	}
	rest, ok := strings.CutPrefix(path, "/v1/projects/")
	if !ok {
		return nil
	}
	project, tail, hasTail := strings.Cut(rest, "/")
	if !hasTail {
		if p, ok := strings.CutSuffix(rest, ":getIamPolicy"); ok && get && p != "" && !strings.Contains(p, ":") {
			return s.iamHandler(p)
		}
		return nil
	}
	if project == "" {
		return nil
	}
	switch {
	case tail == "issues:search" && post:
		return s.searchHandler(project)
	case tail == "issues:batchUpdateStatus" && post:
		return s.batchStatusHandler(project)
	}
	id, ok := strings.CutPrefix(tail, "issues/")
	if !ok || strings.Contains(id, "/") {
		return nil
	}
	id, verb, hasVerb := strings.Cut(id, ":")
	switch {
	case !hasVerb && get:
		return s.issueHandler(project, id, s.getIssue)
	case hasVerb && post && verb == "approve":
		return s.issueHandler(project, id, s.approveIssue)
	case hasVerb && post && verb == "reject":
		return s.issueHandler(project, id, s.rejectIssue)
	case hasVerb && post && verb == "comment":
		return s.issueHandler(project, id, s.commentIssue)
	}
	return nil
}

func (s *Server) handleLogin(_ *http.Request, body []byte) (any, *apiError) {
	var req struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Web      bool   `json:"web"`
	}
	if e := decodeStrict(body, &req, "email", "password", "web"); e != nil {
		return nil, e
	}
	now := s.now()
	recent := s.loginFailures[:0]
	for _, t := range s.loginFailures {
		if now.Sub(t) < loginFailureWindow {
			recent = append(recent, t)
		}
	}
	s.loginFailures = recent
	if len(recent) >= maxLoginFailures {
		return nil, errorf(http.StatusTooManyRequests, codeResourceExhausted, "too many login attempts, please try again later")
	}
	if req.Email == "" || req.Email != s.account || req.Password != s.key {
		s.loginFailures = append(s.loginFailures, now)
		return nil, errorf(http.StatusUnauthorized, codeUnauthenticated, "the email or password is not valid")
	}
	if req.Web {
		return nil, errorf(http.StatusForbidden, codePermissionDenied, "service account cannot log in to the web console")
	}
	tok := s.issueToken(now)
	s.logins++
	return map[string]string{"token": tok}, nil
}

// issueToken mints a JWT-shaped token whose payload carries exp.
func (s *Server) issueToken(now time.Time) string {
	exp := now.Add(s.ttl)
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{
		"sub": s.account, "iat": now.Unix(), "exp": exp.Unix(), "aud": "bb.user.access.bytebase", "jti": randomID(),
	})
	tok := header + "." + enc.EncodeToString(claims) + "." + randomID()
	s.tokens[tok] = &token{expires: exp}
	return tok
}

func (s *Server) authenticate(r *http.Request) *apiError {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	t := s.tokens[raw]
	if !ok || raw == "" || t == nil {
		return errorf(http.StatusUnauthorized, codeUnauthenticated, "access token not found")
	}
	if t.revoked || !s.now().Before(t.expires) {
		return errorf(http.StatusUnauthorized, codeUnauthenticated, "access token expired")
	}
	return nil
}

// decodeStrict decodes a JSON object accepting only the named keys, spelled
// exactly: Bytebase's decoder rejects unknown fields, while encoding/json
// would silently ignore them and match keys case-insensitively.
func decodeStrict(body []byte, v any, allowed ...string) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil {
		return errorf(http.StatusBadRequest, codeInvalidArgument, "invalid request body: %v", err)
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, codeInvalidArgument, "invalid request body: trailing data")
	}
	for k := range fields {
		known := false
		for _, a := range allowed {
			known = known || k == a
		}
		if !known {
			return errorf(http.StatusBadRequest, codeInvalidArgument, "proto: unknown field %q", k)
		}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errorf(http.StatusBadRequest, codeInvalidArgument, "invalid request body: %v", err)
	}
	return nil
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// timestamp formats t as protojson does: UTC with 0, 3, 6 or 9 fraction digits.
func timestamp(t time.Time) string {
	t = t.UTC()
	switch ns := t.Nanosecond(); {
	case ns == 0:
		return t.Format("2006-01-02T15:04:05Z")
	case ns%1e6 == 0:
		return t.Format("2006-01-02T15:04:05.000Z")
	case ns%1e3 == 0:
		return t.Format("2006-01-02T15:04:05.000000Z")
	default:
		return t.Format("2006-01-02T15:04:05.000000000Z")
	}
}
