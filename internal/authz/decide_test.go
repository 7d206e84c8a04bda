package authz

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	dbaHolders := Holders{Users: []string{"dba@example.com"}, Groups: []string{"dbas@example.com"}}
	base := func() Request {
		return Request{Mode: ModeBytebase, ClickerEmail: "dba@example.com", ClickerSlackID: "UDBA", Requester: "dev@example.com",
			Step: 2, StepRole: "roles/workspaceDBA", Holders: dbaHolders,
			GroupMembers: map[string][]string{"dbas@example.com": {"grace@example.com"}}}
	}
	cases := []struct {
		name   string
		edit   func(*Request)
		ok     bool
		reason string
	}{
		{"role held directly (project or workspace)", func(*Request) {}, true, ""},
		{"role held through a group", func(r *Request) { r.ClickerEmail, r.ClickerSlackID = "Grace@Example.com", "UGRACE" }, true, ""},
		{"group that could not be read grants nothing", func(r *Request) {
			r.ClickerEmail = "grace@example.com"
			r.GroupMembers = nil
		}, false, "You don't hold roles/workspaceDBA in Bytebase, which step 2 needs."},
		{"expired condition (holder list excludes it)", func(r *Request) { r.Holders = Holders{} }, false, "You don't hold roles/workspaceDBA"},
		{"not held", func(r *Request) { r.ClickerEmail = "eve@example.com" }, false, "which step 2 needs"},
		{"requester, even holding the role", func(r *Request) { r.Requester = "DBA@example.com" }, false, "You requested this access"},
		{"requester in allowlist mode", func(r *Request) {
			r.Mode, r.Requester, r.Allowlist = ModeAllowlist, "dba@example.com", &Allowlist{UserIDs: []string{"UDBA"}}
		}, false, "You requested this access"},
		{"allowlist restricts a role holder", func(r *Request) { r.Allowlist = &Allowlist{UserIDs: []string{"ULEAD"}} }, false, "JIT_APPROVERS"},
		{"allowlist and role", func(r *Request) { r.Allowlist = &Allowlist{UserIDs: []string{"UDBA"}} }, true, ""},
		{"allowlist never widens in bytebase mode", func(r *Request) {
			r.ClickerEmail, r.ClickerSlackID, r.Allowlist = "lead@example.com", "ULEAD", &Allowlist{UserIDs: []string{"ULEAD"}}
		}, false, "You don't hold"},
		{"allowlist mode widens (documented as weaker)", func(r *Request) {
			r.Mode, r.ClickerEmail, r.ClickerSlackID, r.Allowlist = ModeAllowlist, "lead@example.com", "ULEAD", &Allowlist{UserIDs: []string{"ULEAD"}}
		}, true, ""},
		{"no email", func(r *Request) { r.ClickerEmail = " " }, false, "no email"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := base()
			tc.edit(&r)
			ok, reason := Check(r)
			if ok != tc.ok || !strings.Contains(reason, tc.reason) {
				t.Errorf("Check = %v, %q; want %v, %q", ok, reason, tc.ok, tc.reason)
			}
		})
	}
}
