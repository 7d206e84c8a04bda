package bytebase_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/bytebase"
)

const fixtureDir = "../../../shared/fixtures/bytebase"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return data
}

// checkCommonGrant asserts what every role-grant fixture shares.
func checkCommonGrant(t *testing.T, iss bytebase.Issue) {
	t.Helper()
	wantExp := time.Date(2026, 8, 29, 6, 30, 0, 0, time.UTC)
	if iss.Ref != (bytebase.IssueRef{Project: "project-sample", Number: 123}) {
		t.Errorf("Ref = %+v", iss.Ref)
	}
	if iss.Type != bytebase.TypeRoleGrant || iss.Status != "OPEN" {
		t.Errorf("Type, Status = %q, %q; want ROLE_GRANT, OPEN", iss.Type, iss.Status)
	}
	if iss.Requester != "dev@example.com" {
		t.Errorf("Requester = %q", iss.Requester)
	}
	if iss.Role != "roles/sqlEditorUser" || iss.RoleTitle() != "SQL Editor User" {
		t.Errorf("Role, RoleTitle = %q, %q", iss.Role, iss.RoleTitle())
	}
	if want := []string{"instances/prod-sample-instance/databases/hr_prod"}; !slices.Equal(iss.Databases, want) {
		t.Errorf("Databases = %q, want %q", iss.Databases, want)
	}
	if want := []string{"hr_prod"}; !slices.Equal(iss.DatabaseNames(), want) {
		t.Errorf("DatabaseNames = %q", iss.DatabaseNames())
	}
	if !iss.GrantExpiresAt.Equal(wantExp) {
		t.Errorf("GrantExpiresAt = %v, want %v", iss.GrantExpiresAt, wantExp)
	}
	if iss.GrantDuration != 604788*time.Second {
		t.Errorf("GrantDuration = %v", iss.GrantDuration)
	}
	if want := time.Date(2026, 8, 22, 6, 30, 12, 345678000, time.UTC); !iss.CreateTime.Equal(want) {
		t.Errorf("CreateTime = %v", iss.CreateTime)
	}
	if iss.Link != "https://bb.example.com/projects/project-sample/issues/123" {
		t.Errorf("Link = %q", iss.Link)
	}
	if iss.ApprovalStatus != "PENDING" || !iss.AwaitingApproval() {
		t.Errorf("ApprovalStatus = %q, AwaitingApproval = %v", iss.ApprovalStatus, iss.AwaitingApproval())
	}
}

func TestDecodeIssueFixtures(t *testing.T) {
	owner, dba := "roles/projectOwner", "roles/workspaceDBA"
	tests := []struct {
		file        string
		steps       []string
		pending     int
		pendingRole string
		approvers   []bytebase.Approver
		reason      string
	}{
		{"issue-3.10-grant-request-pending.json", []string{owner, dba}, 1, owner, nil, "Need read access to check the payroll export for INC-4711"},
		{"issue-3.16-grant-request-pending.json", []string{dba}, 1, dba, nil, "Need read access to check the payroll export for INC-4711"},
		{"issue-3.21-role-grant-pending.json", []string{owner, dba}, 1, owner, nil, "Need read access to check the payroll export for INC-4711"},
		{"issue-3.21-role-grant-step2.json", []string{owner, dba}, 2, dba,
			[]bytebase.Approver{{Status: "APPROVED", Principal: "jit-bot@service.bytebase.com"}}, "Need read access to check the payroll export for INC-4711"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			iss, err := bytebase.DecodeIssue(readFixture(t, tt.file), "https://bb.example.com/")
			if err != nil {
				t.Fatal(err)
			}
			checkCommonGrant(t, iss)
			if !slices.Equal(iss.StepRoles, tt.steps) || iss.TotalSteps() != len(tt.steps) {
				t.Errorf("StepRoles = %q, want %q", iss.StepRoles, tt.steps)
			}
			if iss.PendingStep() != tt.pending || iss.PendingRole() != tt.pendingRole {
				t.Errorf("PendingStep, PendingRole = %d, %q; want %d, %q", iss.PendingStep(), iss.PendingRole(), tt.pending, tt.pendingRole)
			}
			if !slices.Equal(iss.Approvers, tt.approvers) {
				t.Errorf("Approvers = %+v, want %+v", iss.Approvers, tt.approvers)
			}
			if iss.Reason != tt.reason {
				t.Errorf("Reason = %q", iss.Reason)
			}
		})
	}
}

// Issues from ≤3.10 carry approvalFindingDone instead of approvalStatus.
func TestDecodeIssueDerivesLegacyApprovalStatus(t *testing.T) {
	const template = `"approvalTemplates":[{"flow":{"steps":[{"nodes":[{"role":"roles/projectOwner"}]},{"nodes":[{"role":"roles/workspaceDBA"}]}]}}]`
	tests := []struct {
		name    string
		fields  string
		status  string
		pending int
	}{
		{"finding not done", `"approvalFindingDone":false`, "CHECKING", 0},
		{"finding field omitted", template, "CHECKING", 0},
		{"no steps", `"approvalFindingDone":true`, "SKIPPED", 0},
		{"pending first", template + `,"approvalFindingDone":true`, "PENDING", 1},
		{"pending second", template + `,"approvalFindingDone":true,"approvers":[{"status":"APPROVED","principal":"users/a@x"}]`, "PENDING", 2},
		{"all approved", template + `,"approvalFindingDone":true,"approvers":[{"status":"APPROVED","principal":"users/a@x"},{"status":"APPROVED","principal":"users/b@x"}]`, "APPROVED", 0},
		{"rejected", template + `,"approvalFindingDone":true,"approvers":[{"status":"REJECTED","principal":"users/a@x"}]`, "REJECTED", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := `{"name":"projects/p/issues/7","type":"GRANT_REQUEST","status":"OPEN",` + tt.fields + `}`
			iss, err := bytebase.DecodeIssue([]byte(data), "http://bb")
			if err != nil {
				t.Fatal(err)
			}
			if iss.ApprovalStatus != tt.status || iss.PendingStep() != tt.pending {
				t.Errorf("ApprovalStatus, PendingStep = %q, %d; want %q, %d", iss.ApprovalStatus, iss.PendingStep(), tt.status, tt.pending)
			}
			if iss.Type != "ROLE_GRANT" {
				t.Errorf("Type = %q", iss.Type)
			}
		})
	}
}

func TestDecodeIssueKeepsUnknownTypeAndNoGrant(t *testing.T) {
	iss, err := bytebase.DecodeIssue([]byte(`{"name":"projects/p/issues/7","type":"DATABASE_CHANGE","status":"DONE","approvalStatus":"APPROVED","labels":["x"]}`), "http://bb")
	if err != nil {
		t.Fatal(err)
	}
	if iss.Type != "DATABASE_CHANGE" || iss.Role != "" || iss.Databases != nil || !iss.GrantExpiresAt.IsZero() || iss.AwaitingApproval() {
		t.Errorf("unexpected %+v", iss)
	}
	iss, err = bytebase.DecodeIssue([]byte(`{"name":"projects/p/issues/8","type":"SOMETHING_NEW"}`), "http://bb")
	if err != nil || iss.Type != "SOMETHING_NEW" {
		t.Errorf("Type = %q, err = %v", iss.Type, err)
	}
}

func TestDecodeIssueErrors(t *testing.T) {
	tests := map[string]string{
		"not json":        `{`,
		"slug name":       `{"name":"projects/p/issues/request-querier-role-123"}`,
		"no name":         `{"title":"x"}`,
		"bad time":        `{"name":"projects/p/issues/1","createTime":"yesterday"}`,
		"bad expiration":  `{"name":"projects/p/issues/1","roleGrant":{"expiration":"a week"}}`,
		"bad condition":   `{"name":"projects/p/issues/1","roleGrant":{"condition":{"expression":"resource.database in ["}}}`,
		"bad expiry time": `{"name":"projects/p/issues/1","roleGrant":{"condition":{"expression":"request.time < timestamp(\"soon\")"}}}`,
	}
	for name, data := range tests {
		if _, err := bytebase.DecodeIssue([]byte(data), "http://bb"); err == nil {
			t.Errorf("%s: DecodeIssue succeeded, want error", name)
		}
	}
}

func TestParseIssueName(t *testing.T) {
	good := map[string]bytebase.IssueRef{
		"projects/project-sample/issues/123": {Project: "project-sample", Number: 123},
		"projects/p_1/issues/1":              {Project: "p_1", Number: 1},
	}
	for in, want := range good {
		got, err := bytebase.ParseIssueName(in)
		if err != nil || got != want {
			t.Errorf("ParseIssueName(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if got.Name() != in {
			t.Errorf("Name() = %q, want %q", got.Name(), in)
		}
	}
	if s := (bytebase.IssueRef{Project: "project-sample", Number: 123}).String(); s != "project-sample#123" {
		t.Errorf("String() = %q", s)
	}
	for _, in := range []string{
		"", "projects/p/issues/", "projects/p/issues/foo-123", "projects/p/issues/+12", "projects/p/issues/-1",
		"projects/p/issues/0", "projects//issues/1", "projects/p/issues/1/x", "project/p/issues/1",
		"projects/p q/issues/1", "projects/p/issues/99999999999999999999", "projects/p%2F/issues/1",
	} {
		if ref, err := bytebase.ParseIssueName(in); err == nil {
			t.Errorf("ParseIssueName(%q) = %+v, want error", in, ref)
		}
	}
}

func TestRoleTitle(t *testing.T) {
	tests := []struct {
		role, title, want string
	}{
		{"roles/sqlEditorUser", "", "SQL Editor User"},
		{"roles/projectOwner", "", "Project Owner"},
		{"roles/workspaceDBA", "", "Workspace DBA"},
		{"roles/projectReleaser", "", "Project Releaser"},
		{"roles/customDBAReviewer", "", "Custom DBA Reviewer"},
		{"roles/my-custom_role", "", "My Custom Role"},
		{"", `[instances/i/databases/d] Request "SQL Editor User" role @08-22 14:30 UTC+0800`, "SQL Editor User"},
		{"", `[instances/i/databases/d] Request querier role @08-22 14:30 UTC+0800`, "Querier"},
		{"", "Add column to orders", ""},
		{"", `Request "unterminated`, ""},
	}
	for _, tt := range tests {
		if got := (bytebase.Issue{Role: tt.role, Title: tt.title}).RoleTitle(); got != tt.want {
			t.Errorf("RoleTitle(%q, %q) = %q, want %q", tt.role, tt.title, got, tt.want)
		}
	}
}

func FuzzDecodeIssue(f *testing.F) {
	for _, name := range []string{
		"issue-3.10-grant-request-pending.json", "issue-3.16-grant-request-pending.json",
		"issue-3.21-role-grant-pending.json", "issue-3.21-role-grant-step2.json",
	} {
		f.Add(readFixture(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		iss, err := bytebase.DecodeIssue(data, "https://bb.example.com")
		if err != nil {
			return
		}
		// Whatever the input, the link is built from the base URL, never from the payload.
		if want := "https://bb.example.com/" + iss.Ref.Name(); iss.Link != want {
			t.Fatalf("Link = %q, want %q", iss.Link, want)
		}
		if strings.ContainsAny(iss.Ref.Project, "/?#") {
			t.Fatalf("project %q would alter the URL", iss.Ref.Project)
		}
		if s := iss.PendingStep(); s < 0 || s > iss.TotalSteps() {
			t.Fatalf("PendingStep %d out of range 0..%d", s, iss.TotalSteps())
		}
		_ = iss.PendingRole()
		_ = iss.RoleTitle()
		_ = iss.DatabaseNames()
	})
}

// Issue travels as JSON (e.g. in workflow payloads) and must survive the trip.
func TestIssueJSONRoundTrip(t *testing.T) {
	iss, err := bytebase.DecodeIssue(readFixture(t, "issue-3.21-role-grant-step2.json"), "https://bb.example.com")
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(iss)
	if err != nil {
		t.Fatal(err)
	}
	var back bytebase.Issue
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, iss) {
		t.Errorf("round trip changed the issue:\n got %+v\nwant %+v", back, iss)
	}
	noGrant, err := json.Marshal(bytebase.Issue{Ref: iss.Ref})
	if err != nil || strings.Contains(string(noGrant), "grantExpiresAt") {
		t.Errorf("zero expiry serialized: %s (%v)", noGrant, err)
	}
}

func TestSummary(t *testing.T) {
	is := bytebase.Issue{Requester: "dev@example.com", Role: "roles/sqlEditorUser", Databases: []string{"instances/prod/databases/hr_prod", "instances/prod/databases/hr_stage"}}
	if got, want := is.Summary(), "dev@example.com → SQL Editor User on hr_prod, hr_stage"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	is.Databases = nil
	if got := is.Summary(); got != "dev@example.com → SQL Editor User on all databases" {
		t.Errorf("Summary without databases = %q", got)
	}
}

func TestStepRole(t *testing.T) {
	is := bytebase.Issue{StepRoles: []string{"roles/projectOwner", "roles/workspaceDBA"}}
	for step, want := range map[int]string{0: "", 1: "roles/projectOwner", 2: "roles/workspaceDBA", 3: ""} {
		if got := is.StepRole(step); got != want {
			t.Errorf("StepRole(%d) = %q, want %q", step, got, want)
		}
	}
}
