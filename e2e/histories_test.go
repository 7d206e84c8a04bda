package e2e

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/slackui"
	"github.com/jitflow/jitflow/workflows"
)

// Replay histories guard the approval workflow's determinism: a change that
// would break a running request fails workflows' replay test against the
// histories recorded from the code running before it. Record them (on the
// released code, before changing the workflow) with
//
//	go test ./e2e -run TestRecordReplayHistories -record-histories
//
// which writes workflows/testdata/replay/<version>-<scenario>.json.
var recordHistories = flag.Bool("record-histories", false, "write the approval workflow's histories for the replay test")

// replayDir is where workflows' replay test reads histories.
const replayDir = "../workflows/testdata/replay"

func TestRecordReplayHistories(t *testing.T) {
	if !*recordHistories {
		t.Skip("records histories only with -record-histories")
	}
	version := os.Getenv("JITFLOW_HISTORY_VERSION")
	if version == "" {
		t.Fatal("set JITFLOW_HISTORY_VERSION (e.g. v1) to name the recorded code")
	}
	record := func(t *testing.T, h *harness, name string, n int64) {
		t.Helper()
		writeHistory(t, h, filepath.Join(replayDir, version+"-"+name+".json"), workflows.WorkflowID(bytebase.IssueRef{Project: project, Number: n}))
	}

	t.Run("approve", func(t *testing.T) {
		h := newHarness(t)
		n := h.addIssue("roles/workspaceDBA")
		h.webhook(n)
		c := h.waitCard(1)
		h.click(eve, c, slackui.ActionApprove) // refused: eve holds no role
		h.waitFor("eve refused", func() bool { return len(h.ephemerals(eve)) == 1 })
		h.click(alice, c, slackui.ActionApprove)
		record(t, h, "approve", n)
	})
	t.Run("two-steps", func(t *testing.T) {
		h := newHarness(t)
		n := h.addIssue("roles/projectOwner", "roles/workspaceDBA")
		h.webhook(n)
		c := h.waitCard(1)
		h.click(bob, c, slackui.ActionApprove)
		h.waitFor("step 2", func() bool { return strings.Contains(cardText(t, h.card(c.TS)), "2 of 2") })
		h.click(alice, h.card(c.TS), slackui.ActionApprove)
		record(t, h, "two-steps", n)
	})
	t.Run("deny", func(t *testing.T) {
		h := newHarness(t)
		n := h.addIssue("roles/workspaceDBA")
		h.webhook(n)
		c := h.waitCard(1)
		h.click(alice, c, slackui.ActionDeny)
		h.waitFor("deny dialog", func() bool { return len(h.slack.Views()) == 1 })
		h.submitDeny(alice, 0, "Use the read replica instead")
		record(t, h, "deny", n)
	})
	t.Run("expire", func(t *testing.T) {
		file := writePolicy(t, "defaults:\n  remind_after: 1s\n  escalate_after: 2s\n  escalate_to: {channel: C0ONCALL, users: [U0LEAD]}\n  expire_after: 4s\n  on_expire: reject_and_cancel\n")
		h := newHarness(t, withEnv("JIT_POLICY_FILE", file))
		n := h.addIssue("roles/workspaceDBA")
		h.webhook(n)
		record(t, h, "expire", n)
	})
	t.Run("decided-in-bytebase", func(t *testing.T) {
		h := newHarness(t, withEnv("JIT_RECONCILE_INTERVAL", "1s"))
		n := h.addIssue("roles/workspaceDBA")
		h.webhook(n)
		h.waitCard(1)
		if err := h.bb.ApproveAs(project, n, "dba@example.com"); err != nil {
			t.Fatal(err)
		}
		record(t, h, "decided-in-bytebase", n)
	})
	t.Run("queued-card", func(t *testing.T) {
		// Three cards into one channel at once: the burst of two goes out at
		// once, the third waits in the channel's queue (PostCardNow declines).
		h := newHarness(t)
		issues := []int64{h.addIssue("roles/workspaceDBA"), h.addIssue("roles/workspaceDBA"), h.addIssue("roles/workspaceDBA")}
		for _, n := range issues {
			h.webhook(n)
		}
		h.waitCard(3)
		last := issues[2]
		if atOnce, queued := h.cardPath(last); atOnce || !queued {
			t.Fatalf("third card posted at once %v, queued %v", atOnce, queued)
		}
		h.click(alice, h.cardOf(last), slackui.ActionApprove)
		record(t, h, "queued-card", last)
	})
}

// writeHistory waits for the workflow to close and writes its history as
// the JSON the Temporal UI and CLI export.
func writeHistory(t *testing.T, h *harness, path, workflowID string) {
	t.Helper()
	c := h.temporal()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.GetWorkflow(ctx, workflowID, "").Get(ctx, nil); err != nil {
		t.Fatalf("%s: %v", workflowID, err)
	}
	// Let the last card edit and replies land, so the history is the whole story.
	time.Sleep(500 * time.Millisecond)
	hist := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, ev)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	if s := secretsIn(string(b)); len(s) > 0 {
		t.Fatalf("history of %s carries secrets %v", workflowID, s)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d events)", path, len(hist.Events))
}
