package gateway

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/jitflow/jitflow/internal/bytebase"
)

type issueReader struct {
	is  bytebase.Issue
	err error
}

func (r issueReader) GetIssue(context.Context, bytebase.IssueRef) (bytebase.Issue, error) {
	return r.is, r.err
}

// With Bytebase credentials the webhook path reads the issue from the API:
// the workflow's static summary names the request in words and the workflow
// gets the issue as read; without them (or if the read fails) the summary
// names the issue, and the request starts all the same.
func TestWebhookStartSummary(t *testing.T) {
	is := bytebase.Issue{Requester: "dev@example.com", Role: "roles/sqlEditorUser", Databases: []string{"instances/prod/databases/hr_prod"}}
	cases := []struct {
		name   string
		issues IssueReader
		want   string
	}{
		{"read from Bytebase", issueReader{is: is}, "dev@example.com → SQL Editor User on hr_prod"},
		{"read failed", issueReader{err: errors.New("503")}, "Bytebase issue project-sample#123"},
		{"no credentials", nil, "Bytebase issue project-sample#123"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			srv := httptest.NewServer(New(Config{Temporal: rec, TaskQueue: "q", SigningSecret: secret, WebhookToken: webhookToken, Issues: tc.issues}))
			defer srv.Close()
			resp, body := post(t, srv.URL+"/api/bytebase/webhook?token="+webhookToken, "application/json", fixture(t, "custom-approval.json"))
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if len(rec.summaries) != 1 || rec.summaries[0] != tc.want {
				t.Errorf("summary = %q, want %q", rec.summaries, tc.want)
			}
			// The issue the gateway read goes to the workflow, which then
			// need not read it again.
			if got, want := rec.inputs[0].Snapshot != nil, tc.name == "read from Bytebase"; got != want {
				t.Errorf("snapshot passed = %v, want %v", got, want)
			}
		})
	}
}
