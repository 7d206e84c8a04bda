package activities

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/fakes/bytebasefake"
)

var defaultTypes = []string{"ROLE_GRANT", "GRANT_REQUEST", "ACCESS_GRANT"}

// starts records the requests the poller hands on.
type starts struct {
	mu    sync.Mutex
	got   []startCall
	fails error
}

type startCall struct {
	Ref     bytebase.IssueRef
	Step    int
	Summary string
}

func (s *starts) StartOrJoin(_ context.Context, ref bytebase.IssueRef, step int, summary string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fails != nil {
		return s.fails
	}
	s.got = append(s.got, startCall{ref, step, summary})
	return nil
}

// take returns and forgets what was handed on so far.
func (s *starts) take() []startCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	got := s.got
	s.got = nil
	return got
}

type pollFixture struct {
	bb     *bytebasefake.Server
	acts   *Activities
	starts *starts
}

func newPollFixture(t *testing.T) *pollFixture {
	t.Helper()
	bb := bytebasefake.New(bytebasefake.Options{ServiceAccount: account, ServiceKey: key})
	t.Cleanup(bb.Close)
	st := &starts{}
	return &pollFixture{bb: bb, starts: st, acts: &Activities{
		Search:   bytebase.New(bb.URL(), account, key),
		Requests: st,
	}}
}

func (f *pollFixture) add(project, typ string, steps ...string) bytebase.IssueRef {
	n := f.bb.AddIssue(bytebasefake.NewIssue{Project: project, Type: typ, Requester: "dev@example.com", Role: "roles/sqlEditorUser", StepRoles: steps})
	return bytebase.IssueRef{Project: project, Number: n}
}

func (f *pollFixture) poll(t *testing.T, in PollInput) PollResult {
	t.Helper()
	res, err := f.acts.PollPending(context.Background(), in)
	if err != nil {
		t.Fatalf("PollPending: %v", err)
	}
	return res
}

func refs(calls []startCall) []bytebase.IssueRef {
	var out []bytebase.IssueRef
	for _, c := range calls {
		out = append(out, c.Ref)
	}
	slices.SortFunc(out, func(a, b bytebase.IssueRef) int { return strings.Compare(a.String(), b.String()) })
	return out
}

func TestPollSearchesEveryPageWithTheDocumentedBody(t *testing.T) {
	f := newPollFixture(t)
	f.bb.SetMaxPageSize(2)
	var want []bytebase.IssueRef
	for range 5 {
		want = append(want, f.add("p", ""))
	}

	res := f.poll(t, PollInput{IssueTypes: defaultTypes})
	if res != (PollResult{Pages: 3, Seen: 5, Pending: 5, Signalled: 5}) {
		t.Errorf("result = %+v", res)
	}
	got := f.starts.take()
	if !slices.Equal(refs(got), want) {
		t.Errorf("handed on %v, want %v", refs(got), want)
	}
	for _, c := range got {
		if c.Step != 1 {
			t.Errorf("%s hinted with step %d, want 1", c.Ref, c.Step)
		}
		if !strings.HasPrefix(c.Summary, "dev@example.com → ") {
			t.Errorf("%s started with summary %q, want the request in words", c.Ref, c.Summary)
		}
	}

	calls := f.bb.CallsTo("/issues:search")
	if len(calls) != 3 {
		t.Fatalf("%d search calls, want 3", len(calls))
	}
	prev := ""
	for i, c := range calls {
		if c.Path != "/v1/projects/-/issues:search" || c.Method != "POST" {
			t.Errorf("call %d: %s %s", i, c.Method, c.Path)
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(c.Body), &body); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"filter": `status == "OPEN" && approval_status == "PENDING"`, "pageSize": float64(100), "orderBy": "create_time desc"}
		tok, _ := body["pageToken"].(string)
		if i > 0 {
			if tok == "" || tok == prev {
				t.Errorf("page %d: token %q after %q", i+1, tok, prev)
			}
			want["pageToken"] = tok
		}
		prev = tok
		if !maps.Equal(body, want) {
			t.Errorf("page %d body = %s", i+1, c.Body)
		}
	}
}

func TestPollChecksTypeApprovalAndProjectOnOurSide(t *testing.T) {
	f := newPollFixture(t)
	// A server without approval_status returns every open issue: whatever is
	// not awaiting approval must be dropped here.
	f.bb.SetRejectApprovalStatusFilter(true)
	role := f.add("p", "ROLE_GRANT")
	access := f.add("p", "ACCESS_GRANT")
	change := f.add("p", "DATABASE_CHANGE")
	rejected := f.add("p", "ROLE_GRANT")
	if err := f.bb.RejectAs("p", rejected.Number, "dba@example.com"); err != nil {
		t.Fatal(err)
	}
	approved := f.add("p", "ACCESS_GRANT") // approved but still OPEN
	if err := f.bb.ApproveAs("p", approved.Number, "dba@example.com"); err != nil {
		t.Fatal(err)
	}
	canceled := f.add("p", "ROLE_GRANT")
	if err := f.bb.SetStatus("p", canceled.Number, "CANCELED"); err != nil {
		t.Fatal(err)
	}
	other := f.add("q", "ROLE_GRANT")

	res := f.poll(t, PollInput{IssueTypes: defaultTypes})
	if got, want := refs(f.starts.take()), []bytebase.IssueRef{role, access, other}; !slices.Equal(got, want) {
		t.Errorf("default types: handed on %v, want %v", got, want)
	}
	if res.Seen != 6 || res.Pending != 3 || !res.Fallback {
		t.Errorf("result = %+v, want 6 seen (open), 3 pending, fallback", res)
	}

	// Widened to database changes: only the new one is handed on.
	f.poll(t, PollInput{IssueTypes: []string{"GRANT_REQUEST", "ACCESS_GRANT", "DATABASE_CHANGE"}})
	if got := refs(f.starts.take()); !slices.Equal(got, []bytebase.IssueRef{change}) {
		t.Errorf("with DATABASE_CHANGE: handed on %v", got)
	}

	// Limited to projects: one search each, nothing from elsewhere.
	f.acts.poll.sent = nil
	f.poll(t, PollInput{IssueTypes: []string{"ROLE_GRANT"}, Projects: []string{"q", "r"}})
	if got := refs(f.starts.take()); !slices.Equal(got, []bytebase.IssueRef{other}) {
		t.Errorf("projects q, r: handed on %v", got)
	}
	var paths []string
	for _, c := range f.bb.CallsTo("/issues:search") {
		if !strings.Contains(c.Path, "/-/") {
			paths = append(paths, c.Path)
		}
	}
	if !slices.Equal(paths, []string{"/v1/projects/q/issues:search", "/v1/projects/r/issues:search"}) {
		t.Errorf("searched %v", paths)
	}
}

func TestWantedChecksEverything(t *testing.T) {
	pending := bytebase.Issue{Ref: bytebase.IssueRef{Project: "p", Number: 1}, Type: "ROLE_GRANT", Status: "OPEN",
		ApprovalStatus: "PENDING", StepRoles: []string{"roles/projectOwner"}}
	in := PollInput{IssueTypes: []string{"GRANT_REQUEST"}, Projects: []string{"p"}}
	if !wanted(pending, in) {
		t.Error("GRANT_REQUEST in the settings must take a ROLE_GRANT issue (the client's name for it)")
	}
	elsewhere := pending
	elsewhere.Ref.Project = "q"
	checking := pending
	checking.ApprovalStatus = "CHECKING"
	access := pending
	access.Type = "ACCESS_GRANT"
	for name, is := range map[string]bytebase.Issue{"other project": elsewhere, "checking": checking, "type not listed": access} {
		if wanted(is, in) {
			t.Errorf("%s: wanted", name)
		}
	}
}

func TestPollFallsBackOnceWhenTheApprovalFilterIsRefused(t *testing.T) {
	f := newPollFixture(t)
	f.bb.SetRejectApprovalStatusFilter(true)
	ref := f.add("p", "")

	for range 2 {
		f.poll(t, PollInput{IssueTypes: defaultTypes})
	}
	var filters []string
	var statuses []int
	for _, c := range f.bb.CallsTo("/issues:search") {
		var body struct{ Filter string }
		_ = json.Unmarshal([]byte(c.Body), &body)
		filters = append(filters, body.Filter)
		statuses = append(statuses, c.Status)
	}
	wantFilters := []string{`status == "OPEN" && approval_status == "PENDING"`, `status == "OPEN"`, `status == "OPEN"`}
	if !slices.Equal(filters, wantFilters) || !slices.Equal(statuses, []int{400, 200, 200}) {
		t.Errorf("searches %q answered %v; want the refused filter once, then the plain one", filters, statuses)
	}
	if got := refs(f.starts.take()); !slices.Equal(got, []bytebase.IssueRef{ref}) {
		t.Errorf("handed on %v", got)
	}
}

func TestPollHintsWhatChangedAndResendsNowAndThen(t *testing.T) {
	f := newPollFixture(t)
	now := time.Now()
	f.acts.poll.now = func() time.Time { return now }
	ref := f.add("p", "", "roles/projectOwner", "roles/workspaceDBA")
	in := PollInput{IssueTypes: defaultTypes}

	f.poll(t, in)
	if got := f.starts.take(); len(got) != 1 || got[0].Step != 1 {
		t.Fatalf("first poll handed on %v", got)
	}
	if res := f.poll(t, in); res.Signalled != 0 || res.Unchanged != 1 || len(f.starts.take()) != 0 {
		t.Errorf("unchanged issue hinted again: %+v", res)
	}
	// Step 1 approved in Bytebase itself: the workflow must hear of step 2.
	if err := f.bb.ApproveAs("p", ref.Number, "owner@example.com"); err != nil {
		t.Fatal(err)
	}
	f.poll(t, in)
	if got := f.starts.take(); len(got) != 1 || got[0].Step != 2 {
		t.Errorf("after a Bytebase approval handed on %v, want step 2", got)
	}
	// Unchanged for long enough: sent again, which restarts a request whose
	// workflow ended while Bytebase still shows it pending.
	now = now.Add(resignalAfter)
	f.poll(t, in)
	if got := f.starts.take(); len(got) != 1 || got[0].Step != 2 {
		t.Errorf("after %s handed on %v", resignalAfter, got)
	}
}

func TestPollFailures(t *testing.T) {
	f := newPollFixture(t)
	ref := f.add("p", "")
	in := PollInput{IssueTypes: defaultTypes}
	ctx := context.Background()

	// Bytebase failing: an error Temporal retries, nothing handed on.
	f.bb.FailNext(1, 500)
	_, err := f.acts.PollPending(ctx, in)
	var app *temporal.ApplicationError
	if err == nil || (errors.As(err, &app) && app.NonRetryable()) {
		t.Errorf("500: %v, want a retryable error", err)
	}
	if err != nil && strings.Contains(err.Error(), key) {
		t.Error("error leaks the service key")
	}
	if got := f.starts.take(); len(got) != 0 {
		t.Errorf("handed on %v during the failure", got)
	}

	// Temporal failing: retried as a whole; the issue is not marked as sent.
	f.starts.fails = errors.New("temporal unavailable")
	if _, err := f.acts.PollPending(ctx, in); err == nil || !strings.Contains(err.Error(), ref.String()) {
		t.Errorf("start failure: %v, want an error naming %s", err, ref)
	}
	f.starts.fails = nil
	if res := f.poll(t, in); res.Signalled != 1 || len(f.starts.take()) != 1 {
		t.Errorf("after recovery: %+v, want the issue handed on", res)
	}

	// One project failing doesn't hold the others back.
	other := f.add("q", "")
	res, err := f.acts.PollPending(ctx, PollInput{IssueTypes: defaultTypes, Projects: []string{"not a project", "q"}})
	if err != nil || res.Failed != 1 || res.Signalled != 1 {
		t.Errorf("one bad project: %+v, %v", res, err)
	}
	if got := refs(f.starts.take()); !slices.Equal(got, []bytebase.IssueRef{other}) {
		t.Errorf("handed on %v", got)
	}
	// Every project failing is an error.
	if _, err := f.acts.PollPending(ctx, PollInput{IssueTypes: defaultTypes, Projects: []string{"not a project"}}); err == nil {
		t.Error("every project failed, but no error")
	}

	if _, err := (&Activities{}).PollPending(ctx, in); err == nil {
		t.Error("unwired activities polled")
	}
}

// metricsRec records what a poll reports through the SDK's metrics handler.
type metricsRec struct {
	mu     sync.Mutex
	counts map[string]int64
	gauges map[string]float64
}

type metricsHandler struct {
	rec  *metricsRec
	tags string
}

type (
	counterFunc func(int64)
	gaugeFunc   func(float64)
	timerFunc   func(time.Duration)
)

func (f counterFunc) Inc(n int64)               { f(n) }
func (f gaugeFunc) Update(v float64)            { f(v) }
func (f timerFunc) Record(d time.Duration)      {}
func (h metricsHandler) key(name string) string { return name + h.tags }

// WithTags keeps only the poll's own tag, not those the SDK adds.
func (h metricsHandler) WithTags(tags map[string]string) client.MetricsHandler {
	if v, ok := tags["outcome"]; ok {
		h.tags += ",outcome=" + v
	}
	return h
}

func (h metricsHandler) Counter(name string) client.MetricsCounter {
	return counterFunc(func(n int64) {
		h.rec.mu.Lock()
		defer h.rec.mu.Unlock()
		h.rec.counts[h.key(name)] += n
	})
}

func (h metricsHandler) Gauge(name string) client.MetricsGauge {
	return gaugeFunc(func(v float64) {
		h.rec.mu.Lock()
		defer h.rec.mu.Unlock()
		h.rec.gauges[h.key(name)] = v
	})
}

func (h metricsHandler) Timer(string) client.MetricsTimer { return timerFunc(nil) }

func TestPollAsAnActivityHeartbeatsAndReportsMetrics(t *testing.T) {
	f := newPollFixture(t)
	f.bb.SetMaxPageSize(2)
	for range 3 {
		f.add("p", "")
	}
	rec := &metricsRec{counts: map[string]int64{}, gauges: map[string]float64{}}
	var ts testsuite.WorkflowTestSuite
	ts.SetMetricsHandler(metricsHandler{rec: rec})
	env := ts.NewTestActivityEnvironment()
	beats := 0
	env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) { beats++ })
	env.RegisterActivity(f.acts)

	in := PollInput{IssueTypes: defaultTypes}
	if _, err := env.ExecuteActivity(f.acts.PollPending, in); err != nil {
		t.Fatal(err)
	}
	f.bb.FailNext(1, 500)
	if _, err := env.ExecuteActivity(f.acts.PollPending, in); err == nil {
		t.Fatal("a failing Bytebase must fail the poll")
	}
	if beats == 0 {
		t.Error("no heartbeat: a dead worker would go unnoticed until the poll's timeout")
	}
	want := map[string]int64{
		"jitflow_polls,outcome=ok":        1,
		"jitflow_polls,outcome=failed":    1,
		"jitflow_poll_requests_handed_on": 3,
		"jitflow_poll_search_errors":      1,
	}
	for k, v := range want {
		if rec.counts[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, rec.counts[k], v, rec.counts)
		}
	}
	if got := rec.gauges["jitflow_poll_pending"]; got != 3 {
		t.Errorf("pending gauge = %v, want 3", got)
	}
}
