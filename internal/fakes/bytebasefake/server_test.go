package bytebasefake

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	account = "jit-bot@service.bytebase.com"
	key     = "bbs_test-key"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newServer(t *testing.T) (*Server, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 8, 22, 6, 30, 12, 0, time.UTC)}
	s := New(Options{ServiceAccount: account, ServiceKey: key, Clock: clk.now})
	t.Cleanup(s.Close)
	return s, clk
}

type reply struct {
	status  int
	code    int
	message string
	body    []byte
}

func do(t *testing.T, s *Server, method, path, token, body string) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, body: data}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatalf("%s %s: error body %q is not JSON", method, path, data)
		}
		r.code, r.message = e.Code, e.Message
	}
	return r
}

func login(t *testing.T, s *Server) string {
	t.Helper()
	r := do(t, s, "POST", "/v1/auth/login", "", `{"email":"`+account+`","password":"`+key+`","web":false}`)
	if r.status != http.StatusOK {
		t.Fatalf("login: %d %s", r.status, r.message)
	}
	var resp struct{ Token string }
	if err := json.Unmarshal(r.body, &resp); err != nil {
		t.Fatal(err)
	}
	return resp.Token
}

func expect(t *testing.T, r reply, status, code int, message string) {
	t.Helper()
	if r.status != status || r.code != code || !strings.Contains(r.message, message) {
		t.Errorf("got %d code %d %q; want %d code %d containing %q", r.status, r.code, r.message, status, code, message)
	}
}

func TestLoginStrictness(t *testing.T) {
	s, clk := newServer(t)
	expect(t, do(t, s, "POST", "/v1/auth/login", "", `{"email":"`+account+`","password":"`+key+`","web":true}`), 403, 7, "")
	expect(t, do(t, s, "POST", "/v1/auth/login", "", `{"email":"`+account+`","password":"`+key+`","web":false,"extra":1}`), 400, 3, `unknown field "extra"`)
	expect(t, do(t, s, "POST", "/v1/auth/login", "", `{"Email":"`+account+`","password":"`+key+`"}`), 400, 3, `unknown field "Email"`)
	expect(t, do(t, s, "POST", "/v1/auth/login", "", `{"email":"`+account+`"`), 400, 3, "invalid request body")
	expect(t, do(t, s, "GET", "/v1/auth/login", "", ""), 404, 5, "")
	if s.Logins() != 0 {
		t.Fatalf("Logins = %d after refused logins", s.Logins())
	}

	tok := login(t, s)
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not JWT-shaped", tok)
	}

	for range maxLoginFailures {
		expect(t, do(t, s, "POST", "/v1/auth/login", "", `{"email":"`+account+`","password":"wrong"}`), 401, 16, "")
	}
	// Locked out, even with the right password, until the window passes.
	expect(t, do(t, s, "POST", "/v1/auth/login", "", `{"email":"`+account+`","password":"`+key+`"}`), 429, 8, "")
	clk.advance(loginFailureWindow)
	login(t, s)
	if s.Logins() != 2 {
		t.Errorf("Logins = %d, want 2", s.Logins())
	}
}

func TestAuthentication(t *testing.T) {
	s, clk := newServer(t)
	n := s.AddIssue(NewIssue{Project: "p", Requester: "dev@example.com", Role: "roles/sqlEditorUser"})
	path := "/v1/projects/p/issues/" + itoa(n)
	expect(t, do(t, s, "GET", path, "", ""), 401, 16, "access token not found")
	expect(t, do(t, s, "GET", path, "forged.token.x", ""), 401, 16, "access token not found")

	tok := login(t, s)
	if r := do(t, s, "GET", path, tok, ""); r.status != 200 {
		t.Fatalf("GET with token: %d %s", r.status, r.message)
	}
	clk.advance(time.Hour)
	expect(t, do(t, s, "GET", path, tok, ""), 401, 16, "access token expired")

	tok = login(t, s)
	s.ExpireTokens()
	expect(t, do(t, s, "GET", path, tok, ""), 401, 16, "access token expired")
	// Unknown routes are 404 before authentication, as in the gateway.
	expect(t, do(t, s, "GET", "/v1/nothing-here", "", ""), 404, 5, "")
}

func TestRequestStrictness(t *testing.T) {
	s, _ := newServer(t)
	n := s.AddIssue(NewIssue{Project: "p", Requester: "dev@example.com", Role: "roles/sqlEditorUser"})
	tok := login(t, s)
	issue := "/v1/projects/p/issues/" + itoa(n)

	expect(t, do(t, s, "GET", "/v1/projects/p/issues/foo-123", tok, ""), 400, 3, `invalid issue ID "foo-123"`)
	expect(t, do(t, s, "GET", "/v1/projects/p/issues/999", tok, ""), 404, 5, "issue 999 not found in project p")
	expect(t, do(t, s, "GET", "/v1/projects/other/issues/"+itoa(n), tok, ""), 404, 5, "not found")
	expect(t, do(t, s, "GET", issue+"?force=true&view=FULL", tok, ""), 400, 3, "view")
	expect(t, do(t, s, "POST", issue+":approve", tok, `{"comment":"x","approver":"me"}`), 400, 3, `unknown field "approver"`)
	expect(t, do(t, s, "POST", issue+":reject", tok, `{"comment":1}`), 400, 3, "")
	expect(t, do(t, s, "POST", issue+":merge", tok, `{}`), 404, 5, "")
	expect(t, do(t, s, "DELETE", issue, tok, ""), 404, 5, "")
	expect(t, do(t, s, "POST", "/v1/projects/p/issues:batchUpdateStatus", tok, `{"issues":["projects/p/issues/`+itoa(n)+`"],"status":"CLOSED"}`), 400, 3, "")
	expect(t, do(t, s, "POST", "/v1/projects/p/issues:batchUpdateStatus", tok, `{"issues":["projects/p/issues/999"],"status":"CANCELED"}`), 404, 5, "")
	if st, _ := s.State("p", n); st.Status != StatusOpen || st.ApprovalStatus != approvalPending || len(st.Timeline) != 0 {
		t.Errorf("refused requests changed state: %+v", st)
	}
}

func TestApprovalStateMachine(t *testing.T) {
	s, _ := newServer(t)
	tok := login(t, s)
	n := s.AddIssue(NewIssue{Project: "p", Requester: "dev@example.com", Role: "roles/sqlEditorUser",
		StepRoles: []string{"roles/projectOwner", "roles/workspaceDBA"}})
	issue := "/v1/projects/p/issues/" + itoa(n)

	// Approving does not check the status, exactly like Bytebase.
	if err := s.SetStatus("p", n, StatusCanceled); err != nil {
		t.Fatal(err)
	}
	if r := do(t, s, "POST", issue+":approve", tok, `{"comment":"one"}`); r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.message)
	}
	if err := s.ApproveAs("p", n, "dba@example.com"); err != nil {
		t.Fatal(err)
	}
	st, _ := s.State("p", n)
	if st.Status != StatusDone || st.ApprovalStatus != approvalApproved {
		t.Errorf("after final approval: %+v", st)
	}
	want := []Approver{{approvalApproved, account}, {approvalApproved, "dba@example.com"}}
	if !slices.Equal(st.Approvers, want) {
		t.Errorf("Approvers = %+v", st.Approvers)
	}
	expect(t, do(t, s, "POST", issue+":approve", tok, `{}`), 400, 3, "the issue has been approved")
	expect(t, do(t, s, "POST", issue+":reject", tok, `{}`), 400, 3, "the issue has been approved")

	n2 := s.AddIssue(NewIssue{Project: "p", Requester: "dev@example.com", Type: TypeDatabaseChange})
	if err := s.RejectAs("p", n2, "owner@example.com"); err != nil {
		t.Fatal(err)
	}
	issue2 := "/v1/projects/p/issues/" + itoa(n2)
	expect(t, do(t, s, "POST", issue2+":approve", tok, `{}`), 400, 3, "cannot approve because the issue has been rejected")
	expect(t, do(t, s, "POST", issue2+":reject", tok, `{}`), 400, 3, "cannot reject because the issue has been rejected")
	if st, _ := s.State("p", n2); st.Status != StatusOpen || st.ApprovalStatus != approvalRejected {
		t.Errorf("after reject: %+v", st)
	}
	if err := s.ReRequest("p", n2); err != nil {
		t.Fatal(err)
	}
	if r := do(t, s, "POST", issue2+":approve", tok, `{"comment":"ok now"}`); r.status != 200 {
		t.Fatalf("approve after re-request: %d %s", r.status, r.message)
	}
	if st, _ := s.State("p", n2); st.Status != StatusOpen || st.ApprovalStatus != approvalApproved {
		t.Errorf("approved database change must stay OPEN: %+v", st)
	}

	self := s.AddIssue(NewIssue{Project: "p", Requester: account, Role: "roles/sqlEditorUser"})
	expect(t, do(t, s, "POST", "/v1/projects/p/issues/"+itoa(self)+":approve", tok, `{}`), 403, 7, "self-approval is not allowed")
}

func TestEnforceRoles(t *testing.T) {
	s, _ := newServer(t)
	tok := login(t, s)
	s.SetEnforceRoles(true)
	if err := s.SetIAMPolicy("", `{"bindings":[{"role":"roles/workspaceDBA","members":["user:dba@example.com"]}]}`); err != nil {
		t.Fatal(err)
	}
	n := s.AddIssue(NewIssue{Project: "p", Requester: "dev@example.com", Role: "roles/sqlEditorUser", StepRoles: []string{"roles/workspaceDBA"}})
	expect(t, do(t, s, "POST", "/v1/projects/p/issues/"+itoa(n)+":approve", tok, `{}`), 403, 7, "does not have the required permission")
	if err := s.SetIAMPolicy("", `{"bindings":[{"role":"roles/workspaceDBA","members":["serviceAccount:`+account+`"]}]}`); err != nil {
		t.Fatal(err)
	}
	if r := do(t, s, "POST", "/v1/projects/p/issues/"+itoa(n)+":approve", tok, `{}`); r.status != 200 {
		t.Errorf("approve with role: %d %s", r.status, r.message)
	}
	if err := s.SetIAMPolicy("p", `{"bindings":`); err == nil {
		t.Error("SetIAMPolicy accepted invalid JSON")
	}
}

func TestSearchFilters(t *testing.T) {
	s, clk := newServer(t)
	tok := login(t, s)
	var nums []int64
	for range 3 {
		nums = append(nums, s.AddIssue(NewIssue{Project: "p", Requester: "dev@example.com", Role: "roles/sqlEditorUser"}))
		clk.advance(time.Minute)
	}
	s.AddIssue(NewIssue{Project: "q", Requester: "ops@example.com", Type: TypeDatabaseChange})
	if err := s.ApproveAs("p", nums[0], "owner@example.com"); err != nil {
		t.Fatal(err)
	}

	search := func(project, body string) reply {
		return do(t, s, "POST", "/v1/projects/"+project+"/issues:search", tok, body)
	}
	count := func(project, filter string) int {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"filter": filter, "pageSize": 100})
		r := search(project, string(body))
		if r.status != 200 {
			t.Fatalf("filter %q: %d %s", filter, r.status, r.message)
		}
		var resp struct{ Issues []json.RawMessage }
		if err := json.Unmarshal(r.body, &resp); err != nil {
			t.Fatal(err)
		}
		return len(resp.Issues)
	}
	for filter, want := range map[string]int{
		``:                     4,
		`status == "OPEN"`:     3,
		`status == "DONE"`:     1,
		`type == "ROLE_GRANT"`: 3,
		`status in ["OPEN", "DONE"] && approval_status == "PENDING"`: 3,
		`creator == "users/ops@example.com"`:                         1,
		`create_time >= "2026-08-22T06:31:00Z"`:                      3,
		`create_time <= "2026-08-22T06:31:30Z" && status == "OPEN"`:  1,
	} {
		if got := count("-", filter); got != want {
			t.Errorf("filter %q: %d issues, want %d", filter, got, want)
		}
	}
	if got := count("p", `status == "OPEN"`); got != 2 {
		t.Errorf("project p: %d open issues, want 2", got)
	}

	for body, msg := range map[string]string{
		`{"filter":"type == \"GRANT_REQUEST\""}`:                "invalid type",
		`{"filter":"status == \"OPEN\" || status == \"DONE\""}`: "unsupported filter",
		`{"filter":"!(status == \"OPEN\")"}`:                    "unsupported filter",
		`{"filter":"title == \"x\""}`:                           "unsupport variable",
		`{"filter":"status == "}`:                               "failed to parse filter",
		`{"pageSize":-1}`:                                       "page size",
		`{"pageToken":"made-up"}`:                               "invalid page token",
		`{"orderBy":"title"}`:                                   "invalid order by",
		`{"filter":"","page_size":10}`:                          `unknown field "page_size"`,
	} {
		expect(t, search("-", body), 400, 3, msg)
	}

	s.SetRejectApprovalStatusFilter(true)
	expect(t, search("-", `{"filter":"approval_status == \"PENDING\""}`), 400, 3, "approval_status")
}

func TestSearchPageTokens(t *testing.T) {
	s, _ := newServer(t)
	tok := login(t, s)
	for range 5 {
		s.AddIssue(NewIssue{Project: "p", Requester: "dev@example.com", Role: "roles/sqlEditorUser"})
	}
	page := func(body string) (names []string, next string) {
		t.Helper()
		r := do(t, s, "POST", "/v1/projects/p/issues:search", tok, body)
		if r.status != 200 {
			t.Fatalf("search %s: %d %s", body, r.status, r.message)
		}
		var resp struct {
			Issues        []struct{ Name string }
			NextPageToken string
		}
		if err := json.Unmarshal(r.body, &resp); err != nil {
			t.Fatal(err)
		}
		for _, i := range resp.Issues {
			names = append(names, i.Name)
		}
		return names, resp.NextPageToken
	}
	first, next := page(`{"pageSize":2,"orderBy":"create_time desc"}`)
	if !slices.Equal(first, []string{"projects/p/issues/104", "projects/p/issues/103"}) || next == "" {
		t.Fatalf("first page %v, next %q", first, next)
	}
	// A token is bound to the query that produced it.
	expect(t, do(t, s, "POST", "/v1/projects/p/issues:search", tok, `{"pageSize":2,"pageToken":"`+next+`","filter":"status == \"OPEN\""}`), 400, 3, "invalid page token")
	second, next := page(`{"pageSize":2,"pageToken":"` + next + `","orderBy":"create_time desc"}`)
	third, last := page(`{"pageSize":2,"pageToken":"` + next + `","orderBy":"create_time desc"}`)
	if !slices.Equal(second, []string{"projects/p/issues/102", "projects/p/issues/101"}) ||
		!slices.Equal(third, []string{"projects/p/issues/100"}) || last != "" {
		t.Errorf("pages %v %v, last token %q", second, third, last)
	}
}

func TestFailureInjection(t *testing.T) {
	s, _ := newServer(t)
	tok := login(t, s)
	n := s.AddIssue(NewIssue{Project: "p", Requester: "dev@example.com", Role: "roles/sqlEditorUser"})
	issue := "/v1/projects/p/issues/" + itoa(n)

	s.FailNext(2, http.StatusInternalServerError)
	login(t, s) // logins are not affected
	expect(t, do(t, s, "POST", issue+":approve", tok, `{}`), 500, 13, "injected")
	expect(t, do(t, s, "GET", issue, tok, ""), 500, 13, "injected")
	if st, _ := s.State("p", n); st.ApprovalStatus != approvalPending {
		t.Errorf("failed approve changed state: %+v", st)
	}
	if r := do(t, s, "GET", issue, tok, ""); r.status != 200 {
		t.Errorf("after injected failures: %d", r.status)
	}

	s.SetDown(true)
	expect(t, do(t, s, "POST", "/v1/auth/login", "", `{}`), 503, 14, "")
	s.SetDown(false)

	s.SetLatency(30 * time.Millisecond)
	start := time.Now()
	do(t, s, "GET", issue, tok, "")
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("latency %v, want ≥ 30ms", d)
	}

	calls := s.CallsTo(issue)
	if got := len(calls); got != 3 || calls[0].Status != 500 || calls[2].Status != 200 {
		t.Errorf("calls to issue = %+v", calls)
	}
}

// The fake serves only keys the real ≥3.17 API has, per the 3.21 fixtures.
func TestIssueJSONMatchesFixtureShape(t *testing.T) {
	fixtureKeys := map[string]bool{}
	for _, name := range []string{"issue-3.21-role-grant-pending.json", "issue-3.21-role-grant-step2.json"} {
		data, err := os.ReadFile("../../../../shared/fixtures/bytebase/" + name)
		if err != nil {
			t.Fatal(err)
		}
		collectKeys(t, data, fixtureKeys)
	}
	s, clk := newServer(t)
	n := s.AddIssue(NewIssue{Project: "project-sample", Requester: "dev@example.com", Role: "roles/sqlEditorUser",
		Description: "why", Databases: []string{"instances/prod-sample-instance/databases/hr_prod"},
		ExpiresAt: clk.now().Add(604788 * time.Second), StepRoles: []string{"roles/projectOwner", "roles/workspaceDBA"}})
	if err := s.ApproveAs("project-sample", n, "owner@example.com"); err != nil {
		t.Fatal(err)
	}
	raw, ok := s.Issue("project-sample", n)
	if !ok {
		t.Fatal("issue not found")
	}
	served := map[string]bool{}
	collectKeys(t, raw, served)
	for k := range served {
		if !fixtureKeys[k] {
			t.Errorf("fake serves key %q that the real API does not", k)
		}
	}
	for _, k := range []string{"name", "type", "status", "approvers", "approvalTemplate.flow.roles", "creator", "createTime",
		"roleGrant.role", "roleGrant.user", "roleGrant.condition.expression", "roleGrant.expiration", "approvalStatus"} {
		if !served[k] {
			t.Errorf("fake does not serve %q", k)
		}
	}
	var w struct {
		RoleGrant struct {
			Condition  struct{ Expression string }
			Expiration string
		}
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	if w.RoleGrant.Expiration != "604788s" || w.RoleGrant.Condition.Expression != `(resource.database in ["instances/prod-sample-instance/databases/hr_prod"]) && request.time < timestamp("2026-08-29T06:30:00.000Z")` {
		t.Errorf("roleGrant = %+v", w.RoleGrant)
	}
}

// collectKeys records dotted object key paths; array elements share their parent's path.
func collectKeys(t *testing.T, data []byte, into map[string]bool) {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				into[prefix+k] = true
				walk(prefix+k+".", v[k])
			}
		case []any:
			for _, e := range v {
				walk(prefix, e)
			}
		}
	}
	walk("", v)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
