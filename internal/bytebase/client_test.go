package bytebase_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/fakes/bytebasefake"
)

const (
	account    = "jit-bot@service.bytebase.com"
	serviceKey = "bbs_s3cr3t-service-key"
	project    = "project-sample"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	srv    *bytebasefake.Server
	client *bytebase.Client
	clock  *testClock
	logs   *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 8, 22, 6, 30, 12, 0, time.UTC)}
	srv := bytebasefake.New(bytebasefake.Options{ServiceAccount: account, ServiceKey: serviceKey, Clock: clock.Now})
	t.Cleanup(srv.Close)
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := bytebase.New(srv.URL(), account, serviceKey, bytebase.WithClock(clock.Now), bytebase.WithLogger(logger))
	t.Cleanup(func() {
		if strings.Contains(logs.String(), serviceKey) {
			t.Errorf("service key leaked into logs")
		}
	})
	return &env{srv: srv, client: c, clock: clock, logs: logs}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// addGrant adds a pending role-grant issue with the given approval steps.
func (e *env) addGrant(steps ...string) bytebase.IssueRef {
	n := e.srv.AddIssue(bytebasefake.NewIssue{
		Project:     project,
		Description: "Need read access for INC-4711",
		Requester:   "dev@example.com",
		Role:        "roles/sqlEditorUser",
		Databases:   []string{"instances/prod-sample-instance/databases/hr_prod"},
		ExpiresAt:   e.clock.Now().Add(7 * 24 * time.Hour),
		StepRoles:   steps,
	})
	return bytebase.IssueRef{Project: project, Number: n}
}

func bodyKeys(t *testing.T, body string) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("request body %q: %v", body, err)
	}
	return slices.Sorted(maps.Keys(m))
}

func statuses(calls []bytebasefake.Call) []int {
	var out []int
	for _, c := range calls {
		out = append(out, c.Status)
	}
	return out
}

func checkNoSecret(t *testing.T, err error) {
	t.Helper()
	if err != nil && (strings.Contains(err.Error(), serviceKey) || strings.Contains(err.Error(), "Bearer")) {
		t.Errorf("error leaks a secret: %v", err)
	}
}

func TestGetIssueFromFake(t *testing.T) {
	e := newEnv(t)
	ref := e.addGrant("roles/projectOwner", "roles/workspaceDBA")
	iss, err := e.client.GetIssue(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if iss.Ref != ref || !iss.AwaitingApproval() || iss.PendingStep() != 1 || iss.PendingRole() != "roles/projectOwner" || iss.TotalSteps() != 2 {
		t.Errorf("unexpected issue %+v", iss)
	}
	if iss.Requester != "dev@example.com" || iss.RoleTitle() != "SQL Editor User" || !slices.Equal(iss.DatabaseNames(), []string{"hr_prod"}) {
		t.Errorf("unexpected grant %+v", iss)
	}
	if !iss.GrantExpiresAt.Equal(e.clock.Now().Add(7*24*time.Hour)) || iss.GrantDuration != 7*24*time.Hour {
		t.Errorf("GrantExpiresAt, GrantDuration = %v, %v", iss.GrantExpiresAt, iss.GrantDuration)
	}
	if want := e.srv.URL() + "/" + ref.Name(); iss.Link != want {
		t.Errorf("Link = %q, want %q", iss.Link, want)
	}
	if calls := e.srv.CallsTo("/v1/" + ref.Name()); len(calls) != 1 || calls[0].Query != "force=true" {
		t.Errorf("GET calls = %+v, want one with force=true", calls)
	}
}

func TestLinkBaseURL(t *testing.T) {
	e := newEnv(t)
	ref := e.addGrant("roles/projectOwner")
	c := bytebase.New(e.srv.URL(), account, serviceKey, bytebase.WithLinkBaseURL("https://bytebase.example.com/"))
	iss, err := c.GetIssue(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://bytebase.example.com/" + ref.Name(); iss.Link != want {
		t.Errorf("Link = %q, want %q", iss.Link, want)
	}
}

func TestLoginIsCachedAndShared(t *testing.T) {
	e := newEnv(t)
	ref := e.addGrant("roles/projectOwner")
	for range 5 {
		if _, err := e.client.GetIssue(t.Context(), ref); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.srv.Logins(); n != 1 {
		t.Errorf("Logins = %d after sequential calls, want 1", n)
	}
	logins := e.srv.CallsTo("/v1/auth/login")
	if got := bodyKeys(t, logins[0].Body); !slices.Equal(got, []string{"email", "password", "web"}) {
		t.Errorf("login body keys = %q", got)
	}
	if !strings.Contains(logins[0].Body, `"web":false`) {
		t.Errorf("login body %q lacks web:false", logins[0].Body)
	}

	// A fresh client hit by concurrent callers logs in once for all of them.
	e.srv.SetLatency(20 * time.Millisecond)
	c := bytebase.New(e.srv.URL(), account, serviceKey, bytebase.WithClock(e.clock.Now))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := c.GetIssue(t.Context(), ref); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := e.srv.Logins(); n != 2 {
		t.Errorf("Logins = %d after concurrent calls on a new client, want 2", n)
	}
}

func TestTokenRenewedBeforeExpiry(t *testing.T) {
	e := newEnv(t)
	ref := e.addGrant("roles/projectOwner")
	get := func() {
		t.Helper()
		if _, err := e.client.GetIssue(t.Context(), ref); err != nil {
			t.Fatal(err)
		}
	}
	get()
	e.clock.Advance(54 * time.Minute)
	get()
	if n := e.srv.Logins(); n != 1 {
		t.Fatalf("Logins = %d at 54 min, want 1", n)
	}
	e.clock.Advance(2 * time.Minute) // within 5 minutes of the 1h expiry
	get()
	if n := e.srv.Logins(); n != 2 {
		t.Errorf("Logins = %d at 56 min, want 2", n)
	}
	for _, c := range e.srv.Calls() {
		if c.Status == http.StatusUnauthorized {
			t.Errorf("unexpected 401: %+v", c)
		}
	}
}

func TestReloginOn401(t *testing.T) {
	e := newEnv(t)
	ref := e.addGrant("roles/projectOwner")
	if _, err := e.client.GetIssue(t.Context(), ref); err != nil {
		t.Fatal(err)
	}
	e.srv.ExpireTokens()
	if _, err := e.client.GetIssue(t.Context(), ref); err != nil {
		t.Fatalf("GetIssue after token expiry: %v", err)
	}
	if n := e.srv.Logins(); n != 2 {
		t.Errorf("Logins = %d, want 2", n)
	}
	path := "/v1/" + ref.Name()
	if got := statuses(e.srv.CallsTo(path)); !slices.Equal(got, []int{200, 401, 200}) {
		t.Errorf("statuses of %s = %v, want [200 401 200]", path, got)
	}

	// Concurrent callers refused together share one new login.
	e.srv.ExpireTokens()
	e.srv.SetLatency(20 * time.Millisecond)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := e.client.GetIssue(t.Context(), ref); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := e.srv.Logins(); n != 3 {
		t.Errorf("Logins = %d after concurrent 401s, want 3", n)
	}
}

func TestRepeated401IsReturned(t *testing.T) {
	e := newEnv(t)
	ref := e.addGrant("roles/projectOwner")
	e.srv.FailNext(5, http.StatusUnauthorized)
	_, err := e.client.GetIssue(t.Context(), ref)
	if !errors.Is(err, bytebase.ErrUnauthorized) || bytebase.IsRetryable(err) {
		t.Errorf("err = %v, want unauthorized, not retryable", err)
	}
	if n := len(e.srv.CallsTo("/v1/" + ref.Name())); n != 2 {
		t.Errorf("%d attempts, want 2 (one retry after re-login)", n)
	}
	checkNoSecret(t, err)
}

func TestLoginFailures(t *testing.T) {
	e := newEnv(t)
	ref := e.addGrant("roles/projectOwner")

	bad := bytebase.New(e.srv.URL(), account, "wrong-key")
	_, err := bad.GetIssue(t.Context(), ref)
	if !errors.Is(err, bytebase.ErrUnauthorized) || bytebase.IsRetryable(err) {
		t.Errorf("bad key: err = %v, want unauthorized", err)
	}
	if strings.Contains(err.Error(), "wrong-key") {
		t.Errorf("error leaks the key: %v", err)
	}
	if n := len(e.srv.CallsTo("/v1/auth/login")); n != 1 {
		t.Errorf("%d login attempts, want 1", n)
	}

	if err := e.client.Login(t.Context()); err != nil {
		t.Fatalf("Login: %v", err)
	}
	if err := e.client.Login(t.Context()); err != nil {
		t.Fatalf("Login: %v", err)
	}
	if n := e.srv.Logins(); n != 2 {
		t.Errorf("Logins = %d, want 2: Login forces a fresh login", n)
	}

	e.srv.SetDown(true)
	err = e.client.Login(t.Context())
	if !bytebase.IsRetryable(err) {
		t.Errorf("Login while down: err = %v, want retryable", err)
	}
	checkNoSecret(t, err)
}

func TestApproveFlow(t *testing.T) {
	e := newEnv(t)
	ref := e.addGrant("roles/projectOwner", "roles/workspaceDBA")

	iss, err := e.client.Approve(t.Context(), ref, "Approved by Alice (alice@example.com, U123) in Slack")
	if err != nil {
		t.Fatal(err)
	}
	if iss.ApprovalStatus != "PENDING" || iss.PendingStep() != 2 || iss.PendingRole() != "roles/workspaceDBA" || iss.Status != "OPEN" {
		t.Errorf("after step 1: %+v", iss)
	}
	if want := []bytebase.Approver{{Status: "APPROVED", Principal: account}}; !slices.Equal(iss.Approvers, want) {
		t.Errorf("Approvers = %+v", iss.Approvers)
	}
	call := e.srv.CallsTo(":approve")[0]
	if got := bodyKeys(t, call.Body); !slices.Equal(got, []string{"comment"}) {
		t.Errorf("approve body keys = %q", got)
	}

	iss, err = e.client.Approve(t.Context(), ref, "Approved by Bob")
	if err != nil {
		t.Fatal(err)
	}
	if iss.ApprovalStatus != "APPROVED" || iss.Status != "DONE" || iss.AwaitingApproval() || iss.PendingStep() != 0 {
		t.Errorf("after last step: %+v", iss)
	}

	_, err = e.client.Approve(t.Context(), ref, "again")
	if !errors.Is(err, bytebase.ErrAlreadyApproved) || errors.Is(err, bytebase.ErrAlreadyRejected) || bytebase.IsRetryable(err) {
		t.Errorf("second approval: err = %v, want ErrAlreadyApproved", err)
	}
	if !strings.HasPrefix(err.Error(), "approve "+ref.String()+": ") {
		t.Errorf("error lacks context: %v", err)
	}
	st, _ := e.srv.State(project, ref.Number)
	if !slices.Equal(st.Comments, []string{"Approved by Alice (alice@example.com, U123) in Slack", "Approved by Bob"}) {
		t.Errorf("Comments = %q", st.Comments)
	}
}

func TestRejectFlow(t *testing.T) {
	e := newEnv(t)
	ref := e.addGrant("roles/projectOwner")
	iss, err := e.client.Reject(t.Context(), ref, "Denied by Alice")
	if err != nil {
		t.Fatal(err)
	}
	if iss.ApprovalStatus != "REJECTED" || iss.Status != "OPEN" || iss.AwaitingApproval() {
		t.Errorf("after reject: %+v", iss)
	}
	_, err = e.client.Approve(t.Context(), ref, "x")
	if !errors.Is(err, bytebase.ErrAlreadyRejected) || errors.Is(err, bytebase.ErrAlreadyApproved) {
		t.Errorf("approve after reject: err = %v, want ErrAlreadyRejected", err)
	}
	_, err = e.client.Reject(t.Context(), ref, "x")
	if !errors.Is(err, bytebase.ErrAlreadyRejected) {
		t.Errorf("reject after reject: err = %v, want ErrAlreadyRejected", err)
	}

	approved := e.addGrant("roles/projectOwner")
	if err := e.srv.ApproveAs(project, approved.Number, "owner@example.com"); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Reject(t.Context(), approved, "x")
	if !errors.Is(err, bytebase.ErrAlreadyApproved) {
		t.Errorf("reject after human approval: err = %v, want ErrAlreadyApproved", err)
	}
}

func TestNotFoundAndBadRefs(t *testing.T) {
	e := newEnv(t)
	missing := bytebase.IssueRef{Project: project, Number: 999}
	_, err := e.client.GetIssue(t.Context(), missing)
	if !errors.Is(err, bytebase.ErrNotFound) || bytebase.IsRetryable(err) {
		t.Errorf("GetIssue: err = %v, want ErrNotFound", err)
	}
	_, err = e.client.Approve(t.Context(), missing, "x")
	if !errors.Is(err, bytebase.ErrNotFound) || !strings.Contains(err.Error(), "issue 999 not found in project project-sample") {
		t.Errorf("Approve: err = %v", err)
	}
	if err := e.client.Cancel(t.Context(), missing, "x"); !errors.Is(err, bytebase.ErrNotFound) {
		t.Errorf("Cancel: err = %v, want ErrNotFound", err)
	}
	checkNoSecret(t, err)

	before := len(e.srv.Calls())
	for _, ref := range []bytebase.IssueRef{{Project: "../admin", Number: 1}, {Project: project, Number: 0}, {}} {
		if _, err := e.client.GetIssue(t.Context(), ref); err == nil {
			t.Errorf("GetIssue(%+v) succeeded", ref)
		}
		if err := e.client.Comment(t.Context(), ref, "x"); err == nil {
			t.Errorf("Comment(%+v) succeeded", ref)
		}
	}
	if _, err := e.client.ProjectIAMPolicy(t.Context(), "a/b"); err == nil {
		t.Error("ProjectIAMPolicy(a/b) succeeded")
	}
	if _, err := e.client.SearchIssues(t.Context(), "a?b", "", 10, ""); err == nil {
		t.Error("SearchIssues(a?b) succeeded")
	}
	if n := len(e.srv.Calls()); n != before {
		t.Errorf("invalid refs reached the server: %d calls", n-before)
	}
}

func TestCommentAndCancel(t *testing.T) {
	e := newEnv(t)
	ref := e.addGrant("roles/projectOwner")
	if err := e.client.Comment(t.Context(), ref, "Posted to #db-access"); err != nil {
		t.Fatal(err)
	}
	if err := e.client.Cancel(t.Context(), ref, "Request expired without a decision"); err != nil {
		t.Fatal(err)
	}
	st, _ := e.srv.State(project, ref.Number)
	if st.Status != "CANCELED" || !slices.Equal(st.Comments, []string{"Posted to #db-access", "Request expired without a decision"}) {
		t.Errorf("state = %+v", st)
	}
	call := e.srv.CallsTo("issues:batchUpdateStatus")[0]
	if got := bodyKeys(t, call.Body); !slices.Equal(got, []string{"issues", "reason", "status"}) {
		t.Errorf("cancel body keys = %q", got)
	}
	if !strings.Contains(call.Body, `"issues":["`+ref.Name()+`"]`) || !strings.Contains(call.Body, `"status":"CANCELED"`) {
		t.Errorf("cancel body = %s", call.Body)
	}
	iss, err := e.client.GetIssue(t.Context(), ref)
	if err != nil || iss.AwaitingApproval() {
		t.Errorf("canceled issue: AwaitingApproval = %v, err = %v", iss.AwaitingApproval(), err)
	}
}

func TestSearchPagination(t *testing.T) {
	e := newEnv(t)
	var pending []int64
	for k := range 5 {
		ref := e.addGrant("roles/projectOwner")
		if k == 2 {
			if err := e.srv.ApproveAs(project, ref.Number, "owner@example.com"); err != nil {
				t.Fatal(err)
			}
		} else {
			pending = append(pending, ref.Number)
		}
		e.clock.Advance(time.Minute)
	}
	other := e.srv.AddIssue(bytebasefake.NewIssue{Project: "other", Requester: "x@example.com", Role: "roles/projectDeveloper"})
	pending = append(pending, other)
	slices.Reverse(pending) // newest first

	const filter = `status == "OPEN" && approval_status == "PENDING"`
	var got []int64
	token := ""
	for page := 0; ; page++ {
		p, err := e.client.SearchIssues(t.Context(), "-", filter, 2, token)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Issues) > 2 {
			t.Fatalf("page %d has %d issues", page, len(p.Issues))
		}
		for _, iss := range p.Issues {
			if !iss.AwaitingApproval() {
				t.Errorf("%s not awaiting approval", iss.Ref)
			}
			got = append(got, iss.Ref.Number)
		}
		if p.NextPageToken == "" {
			break
		}
		token = p.NextPageToken
	}
	if !slices.Equal(got, pending) {
		t.Errorf("search returned %v, want %v", got, pending)
	}

	calls := e.srv.CallsTo("issues:search")
	if keys := bodyKeys(t, calls[0].Body); !slices.Equal(keys, []string{"filter", "orderBy", "pageSize"}) {
		t.Errorf("first search body keys = %q", keys)
	}
	if keys := bodyKeys(t, calls[1].Body); !slices.Equal(keys, []string{"filter", "orderBy", "pageSize", "pageToken"}) {
		t.Errorf("next search body keys = %q", keys)
	}

	p, err := e.client.SearchIssues(t.Context(), project, filter, 100, "")
	if err != nil || len(p.Issues) != 4 || p.NextPageToken != "" {
		t.Errorf("project search: %d issues, token %q, err %v", len(p.Issues), p.NextPageToken, err)
	}

	// Older Bytebase rejects approval_status; the caller must see a plain 400.
	e.srv.SetRejectApprovalStatusFilter(true)
	_, err = e.client.SearchIssues(t.Context(), "-", filter, 100, "")
	var apiErr *bytebase.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 400 || apiErr.Code != 3 || bytebase.IsRetryable(err) {
		t.Errorf("old server: err = %v, want 400 code 3", err)
	}
	p, err = e.client.SearchIssues(t.Context(), "-", `status == "OPEN"`, 100, "")
	if err != nil || len(p.Issues) != 5 {
		t.Errorf("status-only search on old server: %d issues, err %v", len(p.Issues), err)
	}
}

// The search-response fixture, served as is, decodes like the issue fixtures.
func TestSearchResponseFixture(t *testing.T) {
	fixture := readFixture(t, "search-response.json")
	var gotBody string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/auth/login":
			io.WriteString(w, `{"token":"opaque-token"}`)
		case "/v1/projects/-/issues:search":
			b, _ := io.ReadAll(r.Body)
			gotBody = string(b)
			w.Write(fixture)
		default:
			http.NotFound(w, r)
		}
	}))
	defer ts.Close()
	c := bytebase.New(ts.URL, account, serviceKey)
	p, err := c.SearchIssues(t.Context(), "-", `status == "OPEN" && approval_status == "PENDING"`, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"filter":"status == \"OPEN\" \u0026\u0026 approval_status == \"PENDING\"","pageSize":100,"orderBy":"create_time desc"}`; gotBody != want {
		t.Errorf("search body = %s, want %s", gotBody, want)
	}
	if p.NextPageToken != "b64-opaque-token" || len(p.Issues) != 1 {
		t.Fatalf("page = %+v", p)
	}
	iss := p.Issues[0]
	if iss.Ref.String() != "project-sample#123" || iss.Type != "ROLE_GRANT" || iss.Requester != "dev@example.com" ||
		!slices.Equal(iss.StepRoles, []string{"roles/workspaceDBA"}) || iss.PendingStep() != 1 || !iss.AwaitingApproval() ||
		!slices.Equal(iss.Databases, []string{"instances/prod-sample-instance/databases/hr_prod"}) ||
		!iss.GrantExpiresAt.Equal(time.Date(2026, 8, 29, 6, 30, 0, 0, time.UTC)) || iss.GrantDuration != 604788*time.Second ||
		iss.RoleTitle() != "SQL Editor User" || iss.Link != ts.URL+"/projects/project-sample/issues/123" {
		t.Errorf("decoded %+v", iss)
	}
}

func TestSearchSkipsUndecodableIssues(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/auth/login" {
			io.WriteString(w, `{"token":"t"}`)
			return
		}
		io.WriteString(w, `{"issues":[{"name":"projects/p/issues/slug-1"},{"name":"projects/p/issues/2"}]}`)
	}))
	defer ts.Close()
	var logs bytes.Buffer
	c := bytebase.New(ts.URL, account, serviceKey, bytebase.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	p, err := c.SearchIssues(t.Context(), "p", "", 0, "")
	if err != nil || len(p.Issues) != 1 || p.Issues[0].Ref.Number != 2 {
		t.Errorf("page = %+v, err = %v", p, err)
	}
	if !strings.Contains(logs.String(), "skipping issue") {
		t.Errorf("skip not logged: %s", logs.String())
	}
}

func TestIAMPolicies(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.SetIAMPolicy(project, string(readFixture(t, "iam-policy-project.json"))); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.SetIAMPolicy("", string(readFixture(t, "iam-policy-workspace.json"))); err != nil {
		t.Fatal(err)
	}
	p, err := e.client.ProjectIAMPolicy(t.Context(), project)
	if err != nil {
		t.Fatal(err)
	}
	if p.Etag != "9ab2" || len(p.Bindings) != 3 || p.Bindings[0].Role != "roles/projectOwner" ||
		!slices.Equal(p.Bindings[0].Members, []string{"user:owner@example.com", "serviceAccount:" + account}) {
		t.Errorf("project policy = %+v", p)
	}
	if c := p.Bindings[2].Condition; c == nil || c.Expression != `request.time < timestamp("2026-01-01T00:00:00Z")` || c.Title != "expired grant" {
		t.Errorf("binding condition = %+v", c)
	}
	w, err := e.client.WorkspaceIAMPolicy(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if w.Etag != "3f1c" || len(w.Bindings) != 3 || w.Bindings[1].Role != "roles/workspaceDBA" {
		t.Errorf("workspace policy = %+v", w)
	}
	if _, err := e.client.ProjectIAMPolicy(t.Context(), "unconfigured"); err != nil {
		t.Errorf("unconfigured project: %v", err)
	}
}

func TestPermissionDenied(t *testing.T) {
	e := newEnv(t)
	e.srv.SetEnforceRoles(true)
	if err := e.srv.SetIAMPolicy(project, `{"bindings":[{"role":"roles/projectOwner","members":["serviceAccount:`+account+`"]}]}`); err != nil {
		t.Fatal(err)
	}
	ref := e.addGrant("roles/projectOwner", "roles/workspaceDBA")
	if _, err := e.client.Approve(t.Context(), ref, "step 1"); err != nil {
		t.Fatalf("approve step 1: %v", err)
	}
	_, err := e.client.Approve(t.Context(), ref, "step 2")
	if !errors.Is(err, bytebase.ErrPermissionDenied) || bytebase.IsRetryable(err) {
		t.Errorf("approve without workspaceDBA: err = %v, want ErrPermissionDenied", err)
	}
}

func TestRetryableFailures(t *testing.T) {
	e := newEnv(t)
	ref := e.addGrant("roles/projectOwner")
	e.srv.FailNext(1, http.StatusServiceUnavailable)
	_, err := e.client.GetIssue(t.Context(), ref)
	if !bytebase.IsRetryable(err) {
		t.Errorf("503: err = %v, want retryable", err)
	}
	if _, err := e.client.GetIssue(t.Context(), ref); err != nil {
		t.Errorf("after injected failure: %v", err)
	}
	if st, _ := e.srv.State(project, ref.Number); st.ApprovalStatus != "PENDING" {
		t.Errorf("state changed by failed call: %+v", st)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := e.client.GetIssue(ctx, ref); err == nil || bytebase.IsRetryable(err) {
		t.Errorf("canceled context: err = %v, want not retryable", err)
	}

	url := e.srv.URL()
	e.srv.Close()
	c := bytebase.New(url, account, serviceKey)
	_, err = c.GetIssue(t.Context(), ref)
	if err == nil || !bytebase.IsRetryable(err) {
		t.Errorf("server gone: err = %v, want retryable", err)
	}
	checkNoSecret(t, err)
}

func TestResponseBodyCapped(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/auth/login" {
			io.WriteString(w, `{"token":"t"}`)
			return
		}
		w.Write([]byte(`{"name":"`))
		w.Write(bytes.Repeat([]byte("x"), 5<<20))
	}))
	defer ts.Close()
	c := bytebase.New(ts.URL, account, serviceKey)
	if _, err := c.GetIssue(t.Context(), bytebase.IssueRef{Project: "p", Number: 1}); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("err = %v, want size limit error", err)
	}
}
