package authz

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/bytebase"
)

func policyFixture(t *testing.T, name string) bytebase.IAMPolicy {
	t.Helper()
	b, err := os.ReadFile("../../../shared/fixtures/bytebase/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var p bytebase.IAMPolicy
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRoleHoldersFromFixtures(t *testing.T) {
	project := policyFixture(t, "iam-policy-project.json")
	workspace := policyFixture(t, "iam-policy-workspace.json")
	now := time.Date(2026, 8, 22, 0, 0, 0, 0, time.UTC)

	h := RoleHolders("roles/workspaceDBA", now, project, workspace)
	if !slices.Equal(h.Users, []string{"dba@example.com"}) {
		t.Errorf("workspaceDBA users = %v (service accounts must not count)", h.Users)
	}
	h = RoleHolders("roles/projectOwner", now, project, workspace)
	if !slices.Equal(h.Users, []string{"owner@example.com"}) {
		t.Errorf("projectOwner users = %v", h.Users)
	}
	// analyst's binding expired on 2026-01-01.
	if h := RoleHolders("roles/sqlEditorUser", now, project); len(h.Users) != 0 {
		t.Errorf("expired binding counted: %v", h.Users)
	}
	if h := RoleHolders("roles/sqlEditorUser", time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), project); !slices.Equal(h.Users, []string{"analyst@example.com"}) {
		t.Errorf("binding before expiry: %v", h.Users)
	}
}

func TestRoleHoldersGroupsAndBadConditions(t *testing.T) {
	p := bytebase.IAMPolicy{Bindings: []bytebase.Binding{
		{Role: "roles/workspaceDBA", Members: []string{"group:DBAs@Example.com", "user:Bob@Example.com", "user:bob@example.com", "garbage"}},
		{Role: "roles/workspaceDBA", Members: []string{"user:eve@example.com"}, Condition: &bytebase.Expr{Expression: "request.time < "}},
	}}
	h := RoleHolders("roles/workspaceDBA", time.Now(), p)
	if !slices.Equal(h.Users, []string{"bob@example.com"}) || !slices.Equal(h.Groups, []string{"dbas@example.com"}) {
		t.Errorf("holders = %+v", h)
	}
}
