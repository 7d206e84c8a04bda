package bytebasefake

import (
	"encoding/json"
	"testing"
)

func TestSetMaxPageSizeCapsPages(t *testing.T) {
	s, _ := newServer(t)
	tok := login(t, s)
	for range 3 {
		s.AddIssue(NewIssue{Project: "p", Requester: "dev@example.com", Role: "roles/sqlEditorUser"})
	}
	count := func() (int, bool) {
		t.Helper()
		r := do(t, s, "POST", "/v1/projects/-/issues:search", tok, `{"pageSize":100}`)
		if r.status != 200 {
			t.Fatalf("search: %d %s", r.status, r.message)
		}
		var resp struct {
			Issues        []json.RawMessage
			NextPageToken string
		}
		if err := json.Unmarshal(r.body, &resp); err != nil {
			t.Fatal(err)
		}
		return len(resp.Issues), resp.NextPageToken != ""
	}
	s.SetMaxPageSize(2)
	if n, more := count(); n != 2 || !more {
		t.Errorf("capped at 2: got %d issues, more=%v", n, more)
	}
	s.SetMaxPageSize(0)
	if n, more := count(); n != 3 || more {
		t.Errorf("uncapped: got %d issues, more=%v", n, more)
	}
}
