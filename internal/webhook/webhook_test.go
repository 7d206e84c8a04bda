package webhook

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jitflow/jitflow/internal/bytebase"
)

const fixtures = "../../../shared/fixtures/bytebase"

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFixtures(t *testing.T) {
	want := bytebase.IssueRef{Project: "project-sample", Number: 123}
	cases := []struct {
		file  string
		shape Shape
	}{
		{"slack-legacy-approval.json", ShapeSlackBlocks},
		{"slack-attachments-approval.json", ShapeSlackAttachments},
		{"custom-approval.json", ShapeCustom},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			ev, err := Parse(fixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Shape != tc.shape || ev.Issue != want || !ev.ApprovalNeeded {
				t.Errorf("got %+v, want shape %s, issue %v, approval needed", ev, tc.shape, want)
			}
		})
	}
}

func TestParseOtherEvents(t *testing.T) {
	cases := map[string]string{
		"created (attachments)": `{"attachments":[{"blocks":[
			{"type":"section","text":{"type":"mrkdwn","text":"*<https://bb.example.com/projects/p1/issues/7|Issue created>*"}},
			{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"View in Bytebase"},"url":"https://bb.example.com/projects/p1/issues/7"}]}]}]}`,
		"sent back (blocks)": `{"text":"Issue sent back","blocks":[
			{"type":"actions","elements":[{"type":"button","url":"https://bb.example.com/projects/p1/issues/fix-things-7"}]}]}`,
		"custom status update": `{"activity_type":"bb.issue.status.update","link":"https://bb.example.com/projects/p1/issues/7"}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			ev, err := Parse([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if ev.ApprovalNeeded {
				t.Errorf("%q is not an approval event", ev.Name)
			}
			if ev.Issue != (bytebase.IssueRef{Project: "p1", Number: 7}) {
				t.Errorf("issue = %v", ev.Issue)
			}
		})
	}
}

func TestParseRejectsBadBodies(t *testing.T) {
	cases := []struct {
		name string
		body string
		want error
	}{
		{"empty", ``, ErrMalformed},
		{"array", `[1,2]`, ErrMalformed},
		{"truncated", `{"text":"Issue approval needed","blocks":[`, ErrMalformed},
		{"wrong types", `{"text":12}`, ErrMalformed},
		{"unknown shape", `{"hello":"world"}`, ErrUnknownShape},
		{"no link", `{"text":"Issue approval needed","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"hi"}}]}`, ErrNoIssueLink},
		{"custom without link", `{"activity_type":"bb.issue.approval.notify","link":""}`, ErrNoIssueLink},
		{"slug without number", `{"activity_type":"bb.issue.approval.notify","link":"https://bb/projects/p/issues/fix-things"}`, ErrNoIssueLink},
		{"not an issue link", `{"attachments":[{"blocks":[{"type":"actions","elements":[{"type":"button","url":"https://evil.example.com/x/y"}]}]}]}`, ErrNoIssueLink},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.body))
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestIssueFromLink(t *testing.T) {
	cases := map[string]bytebase.IssueRef{
		"https://bb.example.com/projects/project-sample/issues/123":                      {Project: "project-sample", Number: 123},
		"https://bb.example.com/projects/project-sample/issues/request-querier-role-123": {Project: "project-sample", Number: 123},
		"https://bb.example.com/bytebase/projects/p/issues/9?tab=overview":               {Project: "p", Number: 9},
		"https://bb.example.com/projects/p/issues/at08-22-14-30-utc-0800-4567#activity":  {Project: "p", Number: 4567},
	}
	for link, want := range cases {
		got, err := IssueFromLink(link)
		if err != nil || got != want {
			t.Errorf("IssueFromLink(%q) = %v, %v; want %v", link, got, err, want)
		}
	}
	for _, bad := range []string{"", "https://bb/projects//issues/1", "https://bb/projects/p/issues/0", "https://bb/projects/p/issues/abc12", "https://bb/projects/p/issues/99999999999999999999"} {
		if got, err := IssueFromLink(bad); err == nil {
			t.Errorf("IssueFromLink(%q) = %v, want an error", bad, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"slack-legacy-approval.json", "slack-attachments-approval.json", "custom-approval.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"text":"x","blocks":[{"type":"actions","elements":[{"url":"https://b/projects/p/issues/1"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := Parse(data)
		if err != nil {
			return
		}
		if ev.Issue.Number <= 0 || ev.Issue.Project == "" || strings.Contains(ev.Issue.Project, "/") {
			t.Fatalf("accepted an event without a valid issue: %+v", ev)
		}
	})
}
