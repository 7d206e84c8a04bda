package app

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/devserver"
	"github.com/jitflow/jitflow/workflows"
)

// bareServer is an in-memory Temporal server without jitflow's search
// attributes, as a cluster is before `jitflow setup`.
func bareServer(t *testing.T) client.Client {
	t.Helper()
	ctx := context.Background()
	srv, err := devserver.Start(ctx, devserver.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	c, err := Connect(ctx, srv.Address(), srv.Namespace(), slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestSetupRegistersSearchAttributesOnce(t *testing.T) {
	ctx := context.Background()
	c := bareServer(t)
	var out bytes.Buffer
	if err := Setup(ctx, c, "default", &out); err != nil {
		t.Fatal(err)
	}
	want := workflows.SearchAttributes()
	if !strings.Contains(out.String(), "9 search attribute(s) added, 0 already present") ||
		!strings.Contains(out.String(), "JitDatabases") || !strings.Contains(out.String(), "KeywordList") {
		t.Errorf("first run said:\n%s", out.String())
	}
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	for name, typ := range want {
		if got := have.GetCustomAttributes()[name]; got != typ {
			t.Errorf("%s registered as %v, want %v", name, got, typ)
		}
	}
	out.Reset()
	if err := Setup(ctx, c, "default", &out); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if !strings.Contains(out.String(), "0 search attribute(s) added, 9 already present") {
		t.Errorf("second run said:\n%s", out.String())
	}
	if err := Setup(ctx, c, "no-such-namespace", &out); err == nil {
		t.Error("setup on a missing namespace succeeded")
	}
}

// startRequest starts an approval workflow the way the gateway does, with
// the attributes the workflow would have upserted by now. No worker runs:
// the attributes are enough for visibility.
func startRequest(t *testing.T, c client.Client, number int64, status, requester, approver string) string {
	t.Helper()
	ref := bytebase.IssueRef{Project: "hr", Number: number}
	opts := workflows.StartOptions(ref, "no-worker", "")
	updates := []temporal.SearchAttributeUpdate{
		workflows.AttrProject.ValueSet(ref.Project),
		workflows.AttrIssue.ValueSet(ref.String()),
		workflows.AttrStatus.ValueSet(status),
		workflows.AttrRequester.ValueSet(requester),
		workflows.AttrRole.ValueSet("roles/sqlEditorUser"),
		workflows.AttrDatabases.ValueSet([]string{"hr_prod", "hr_archive"}),
	}
	if approver != "" {
		updates = append(updates, workflows.AttrApprover.ValueSet(approver),
			workflows.AttrDecidedAt.ValueSet(time.Now()))
	}
	opts.TypedSearchAttributes = temporal.NewSearchAttributes(updates...)
	run, err := c.ExecuteWorkflow(context.Background(), opts, workflows.ApprovalWorkflowName, workflows.ApprovalInput{Issue: ref})
	if err != nil {
		t.Fatal(err)
	}
	return run.GetID()
}

func TestListRequests(t *testing.T) {
	ctx := context.Background()
	c := bareServer(t)
	if err := Setup(ctx, c, "default", &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	pending := startRequest(t, c, 1, "pending", "dev@example.com", "")
	approved := startRequest(t, c, 2, "approved", "dev@example.com", "alice@example.com")
	other := startRequest(t, c, 3, "pending", "bob@example.com", "")

	list := func(f RequestFilter) string {
		t.Helper()
		var out bytes.Buffer
		if err := ListRequests(ctx, c, f, &out); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	// Visibility trails the start by a moment.
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(list(RequestFilter{}), "jit/hr/") < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the three requests never showed:\n%s", list(RequestFilter{}))
		}
		time.Sleep(50 * time.Millisecond)
	}

	cases := []struct {
		name   string
		filter RequestFilter
		want   []string
	}{
		{"my pending approvals", RequestFilter{Status: "pending", Requester: "Dev@Example.com"}, []string{pending}},
		{"by requester", RequestFilter{Requester: "dev@example.com"}, []string{pending, approved}},
		{"all pending", RequestFilter{Status: "pending"}, []string{pending, other}},
		{"by approver", RequestFilter{Approver: "alice@example.com"}, []string{approved}},
		{"by project", RequestFilter{Project: "hr"}, []string{pending, approved, other}},
		{"other project", RequestFilter{Project: "finance"}, nil},
		{"quote in a value", RequestFilter{Requester: `o"brien@example.com`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := list(tc.filter)
			for _, id := range []string{pending, approved, other} {
				if got, want := strings.Contains(out, id+" "), slices.Contains(tc.want, id); got != want {
					t.Errorf("%s listed=%v, want %v:\n%s", id, got, want, out)
				}
			}
			if tc.want == nil && !strings.HasPrefix(out, "No requests match") {
				t.Errorf("empty result:\n%s", out)
			}
		})
	}

	out := list(RequestFilter{Approver: "alice@example.com"})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a header and one row:\n%s", out)
	}
	for _, col := range []string{"ID", "STATUS", "REQUESTER", "ROLE", "DATABASES", "STARTED", "APPROVER"} {
		if !strings.Contains(lines[0], col) {
			t.Errorf("header lacks %s: %q", col, lines[0])
		}
	}
	for _, cell := range []string{approved, "approved", "dev@example.com", "roles/sqlEditorUser", "hr_prod,hr_archive", "UTC", "alice@example.com"} {
		if !strings.Contains(lines[1], cell) {
			t.Errorf("row lacks %q: %q", cell, lines[1])
		}
	}
	if n := strings.Count(list(RequestFilter{Limit: 2}), "jit/hr/"); n != 2 {
		t.Errorf("--limit 2 printed %d rows", n)
	}
}

func TestRequestFilterQuery(t *testing.T) {
	q, err := RequestFilter{Status: "pending", Requester: "Dev@Example.com", Project: "hr"}.Query()
	want := `WorkflowType = "ApprovalWorkflow" AND JitStatus = "pending" AND JitRequester = "dev@example.com" AND JitProject = "hr"`
	if err != nil || q != want {
		t.Errorf("query = %q, %v\nwant    %q", q, err, want)
	}
	if _, err := (RequestFilter{Status: `pending" OR "1"="1`}).Query(); err == nil {
		t.Error("a status that is not a word was accepted")
	}
	if q, _ := (RequestFilter{Project: `a"b\`}).Query(); !strings.HasSuffix(q, `JitProject = "a\"b\\"`) {
		t.Errorf("quoting: %s", q)
	}
}
