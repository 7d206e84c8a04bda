package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/slackui"
)

func writePolicy(t *testing.T, yaml string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestExpiryRemindsEscalatesThenRejectsAndCancels(t *testing.T) {
	file := writePolicy(t, `
defaults:
  remind_after: 1s
  escalate_after: 2s
  escalate_to: {channel: C0ONCALL, users: [U0LEAD]}
  expire_after: 4s
  on_expire: reject_and_cancel
`)
	h := newHarness(t, withEnv("JIT_POLICY_FILE", file))
	n := h.addIssue("roles/workspaceDBA")
	start := time.Now()
	h.webhook(n)
	c := h.waitCard(1)

	h.waitFor("expired card", func() bool { return !hasButtons(t, h.card(c.TS)) })
	t.Logf("card closed %.1fs after the webhook (expire_after 4s)", time.Since(start).Seconds())
	st := h.issueState(n)
	if st.ApprovalStatus != "REJECTED" || st.Status != "CANCELED" {
		t.Errorf("issue = %s/%s, want CANCELED/REJECTED", st.Status, st.ApprovalStatus)
	}
	if len(st.Comments) == 0 || !strings.Contains(st.Comments[0], "No decision within 4s; denied automatically") {
		t.Errorf("comments = %q", st.Comments)
	}
	if text := cardText(t, h.card(c.TS)); !strings.Contains(text, "No decision within 4s") {
		t.Errorf("card:\n%s", text)
	}
	var thread []string
	for _, m := range h.slack.Messages(channel) {
		if m.ThreadTS == c.TS {
			thread = append(thread, m.Text)
		}
	}
	joined := strings.Join(thread, "\n")
	for _, want := range []string{"Still waiting", "Escalated", "<@U0LEAD>"} {
		if !strings.Contains(joined, want) {
			t.Errorf("thread lacks %q:\n%s", want, joined)
		}
	}
	if esc := h.slack.Messages("C0ONCALL"); len(esc) != 1 || !strings.Contains(esc[0].Text+string(esc[0].Blocks), "U0LEAD") {
		t.Errorf("escalation channel = %+v", esc)
	}
	h.waitFor("requester told it expired", func() bool {
		dms := h.slack.DMs(dev.ID)
		return len(dms) == 2 && strings.Contains(dms[1].Text, "No decision within 4s")
	})
	if len(h.bb.CallsTo(":approve")) != 0 {
		t.Error("an expired request was approved")
	}
}

func TestDecisionInBytebaseClosesTheCard(t *testing.T) {
	h := newHarness(t, withEnv("JIT_RECONCILE_INTERVAL", "1s"))
	n := h.addIssue("roles/workspaceDBA")
	h.webhook(n)
	c := h.waitCard(1)
	h.waitFor("requester told the request is posted", func() bool {
		dms := h.slack.DMs(dev.ID)
		return len(dms) == 1 && strings.Contains(dms[0].Text, "waiting")
	})

	decided := time.Now()
	if err := h.bb.ApproveAs(project, n, "dba@example.com"); err != nil {
		t.Fatal(err)
	}
	h.waitFor("card closed by the re-read", func() bool { return !hasButtons(t, h.card(c.TS)) })
	t.Logf("closed %.1fs after the decision in Bytebase (reconcile interval 1s)", time.Since(decided).Seconds())
	text := cardText(t, h.card(c.TS))
	if !strings.Contains(text, "Approved in Bytebase") || !strings.Contains(text, "dba@example.com") {
		t.Errorf("card:\n%s", text)
	}
	if n := len(h.bb.CallsTo(":approve")) + len(h.bb.CallsTo(":reject")); n != 0 {
		t.Errorf("jitflow made %d decisions of its own", n)
	}
	// A click on the stale card is answered with what happened.
	if code, _ := h.click(alice, c, slackui.ActionApprove); code != 200 {
		t.Fatal("click")
	}
	h.waitFor("answer to the late clicker", func() bool { return len(h.ephemerals(alice)) == 1 })
}

func TestNotifyOnlyCardHasNoButtons(t *testing.T) {
	file := writePolicy(t, "environments:\n  prod: {approval_mode: notify_only}\n")
	h := newHarness(t, withEnv("JIT_POLICY_FILE", file), withEnv("JIT_RECONCILE_INTERVAL", "1s"))
	n := h.addIssue("roles/workspaceDBA") // on prod-sample-instance: the prod environment
	h.webhook(n)
	c := h.waitCard(1)
	if hasButtons(t, c) {
		t.Fatal("notify-only card offers Approve/Deny")
	}
	if !strings.Contains(string(c.Blocks), "Review in Bytebase") {
		t.Errorf("no Review in Bytebase link: %s", c.Blocks)
	}
	if err := h.bb.RejectAs(project, n, "dba@example.com"); err != nil {
		t.Fatal(err)
	}
	h.waitFor("card closed", func() bool { return strings.Contains(cardText(t, h.card(c.TS)), "Rejected in Bytebase") })
}

func TestTimersSurviveARestart(t *testing.T) {
	file := writePolicy(t, "defaults: {remind_after: 0s, escalate_after: 0s, expire_after: 5s}\n")
	h := newHarness(t, withStateDir(t.TempDir()), withEnv("JIT_POLICY_FILE", file))
	n := h.addIssue("roles/workspaceDBA")
	h.webhook(n)
	c := h.waitCard(1)
	posted := time.Now()

	h.stop() // jitflow is down when the expiry is due
	time.Sleep(2 * time.Second)
	h.start()

	h.waitFor("expiry after the restart", func() bool { return !hasButtons(t, h.card(c.TS)) })
	t.Logf("expired %.1fs after the card was posted (expire_after 5s, down for 2s)", time.Since(posted).Seconds())
	if st := h.issueState(n); st.ApprovalStatus != "REJECTED" {
		t.Errorf("approval = %s, want REJECTED", st.ApprovalStatus)
	}
	if got := len(h.bb.CallsTo(":reject")); got != 1 {
		t.Errorf("reject called %d times, want 1", got)
	}
}
