package app

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/jitflow/jitflow/internal/devserver"
	"github.com/jitflow/jitflow/workflows"
)

// Setup registers jitflow's search attributes on the namespace and reports
// which were added. It is `jitflow setup`, for clusters where the worker may
// not change the namespace itself.
func Setup(ctx context.Context, c client.Client, namespace string, out io.Writer) error {
	want := workflows.SearchAttributes()
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of %s: %w", namespace, err)
	}
	if err := devserver.EnsureSearchAttributes(ctx, c, namespace, want); err != nil {
		return fmt.Errorf("namespace %s: %w", namespace, err)
	}
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	slices.Sort(names)
	added := 0
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, name := range names {
		state := "present"
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			state, added = "added", added+1
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, want[name], state)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "Namespace %s: %d search attribute(s) added, %d already present.\n", namespace, added, len(names)-added)
	return err
}

// RequestFilter selects requests for `jitflow requests`. Empty fields match
// everything.
type RequestFilter struct {
	Status    string // e.g. pending
	Requester string // email
	Approver  string // email
	Project   string // Bytebase project ID
	Limit     int    // rows at most; default 50
}

// statusPattern: statuses are lowercase words (pending, decided_in_bytebase).
var statusPattern = regexp.MustCompile(`^[a-z_]+$`)

// Query is the visibility query for f, also usable in the Temporal UI.
func (f RequestFilter) Query() (string, error) {
	parts := []string{fmt.Sprintf("WorkflowType = %s", quote(workflows.ApprovalWorkflowName))}
	if f.Status != "" {
		if !statusPattern.MatchString(f.Status) {
			return "", fmt.Errorf("status %q: use a status such as pending, approved or denied", f.Status)
		}
		parts = append(parts, fmt.Sprintf("%s = %s", workflows.AttrStatus.GetName(), quote(f.Status)))
	}
	// The workflow stores emails lowercased.
	for _, kv := range []struct{ name, value string }{
		{workflows.AttrRequester.GetName(), strings.ToLower(f.Requester)},
		{workflows.AttrApprover.GetName(), strings.ToLower(f.Approver)},
		{workflows.AttrProject.GetName(), f.Project},
	} {
		if kv.value != "" {
			parts = append(parts, fmt.Sprintf("%s = %s", kv.name, quote(kv.value)))
		}
	}
	return strings.Join(parts, " AND "), nil
}

// quote makes a visibility query string literal.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// ListRequests prints the requests matching f as a table, newest first: the
// "my pending approvals" view for a terminal.
func ListRequests(ctx context.Context, c client.Client, f RequestFilter, out io.Writer) error {
	query, err := f.Query()
	if err != nil {
		return err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var rows []requestRow
	var token []byte
	for len(rows) < f.Limit {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: query, PageSize: int32(min(f.Limit-len(rows), 100)), NextPageToken: token,
		})
		if err != nil {
			return fmt.Errorf("list requests (%s): %w", query, err)
		}
		for _, ex := range resp.GetExecutions() {
			rows = append(rows, rowFrom(ex.GetExecution().GetWorkflowId(), ex.GetStatus().String(),
				ex.GetStartTime().AsTime(), ex.GetSearchAttributes().GetIndexedFields()))
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintf(out, "No requests match %s.\n", query)
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tREQUESTER\tROLE\tDATABASES\tSTARTED\tAPPROVER")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.id, r.status, dash(r.requester), dash(r.role),
			dash(strings.Join(r.databases, ",")), r.started.UTC().Format("2006-01-02 15:04 MST"), dash(r.approver))
	}
	return tw.Flush()
}

type requestRow struct {
	id, status, requester, role, approver string
	databases                             []string
	started                               time.Time
}

// rowFrom reads the search attributes; a request whose workflow ended
// before it set JitStatus shows the execution status (e.g. terminated).
func rowFrom(id, execStatus string, started time.Time, attrs map[string]*commonpb.Payload) requestRow {
	dc := converter.GetDefaultDataConverter()
	str := func(name string) string {
		var s string
		if p, ok := attrs[name]; ok {
			_ = dc.FromPayload(p, &s)
		}
		return s
	}
	r := requestRow{
		id:        id,
		status:    str(workflows.AttrStatus.GetName()),
		requester: str(workflows.AttrRequester.GetName()),
		role:      str(workflows.AttrRole.GetName()),
		approver:  str(workflows.AttrApprover.GetName()),
		started:   started,
	}
	if p, ok := attrs[workflows.AttrDatabases.GetName()]; ok {
		_ = dc.FromPayload(p, &r.databases)
	}
	if r.status == "" {
		r.status = strings.ToLower(strings.TrimPrefix(execStatus, "WORKFLOW_EXECUTION_STATUS_"))
	}
	return r
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
