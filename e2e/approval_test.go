package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackui"
)

func TestWebhookPostsOneCardAndApproveActsOnce(t *testing.T) {
	h := newHarness(t)
	n := h.addIssue("roles/workspaceDBA")

	if code := h.webhook(n); code != 200 {
		t.Fatalf("webhook: %d", code)
	}
	c := h.waitCard(1)
	if !hasButtons(t, c) {
		t.Fatal("a pending card must offer Approve and Deny")
	}
	for i := 0; i < 3; i++ { // Bytebase re-sends; duplicates collapse
		if code := h.webhook(n); code != 200 {
			t.Fatalf("repeated webhook: %d", code)
		}
	}
	time.Sleep(500 * time.Millisecond)
	if got := len(h.cards()); got != 1 {
		t.Fatalf("%d cards after 4 webhooks, want 1", got)
	}
	if got := h.cardPosts(); got != 1 {
		t.Fatalf("cards posted %d times, want 1", got)
	}

	if code, body := h.click(alice, c, slackui.ActionApprove); code != 200 {
		t.Fatalf("click: %d %s", code, body)
	}
	h.waitFor("card without buttons", func() bool { return !hasButtons(t, h.card(c.TS)) })
	st := h.issueState(n)
	if st.Status != "DONE" || st.ApprovalStatus != "APPROVED" {
		t.Errorf("issue = %s/%s, want DONE/APPROVED", st.Status, st.ApprovalStatus)
	}
	if got := len(h.bb.CallsTo(":approve")); got != 1 {
		t.Errorf("approve called %d times, want 1", got)
	}
	if len(st.Comments) != 1 || !strings.Contains(st.Comments[0], "Alice DBA") ||
		!strings.Contains(st.Comments[0], alice.Email) || !strings.Contains(st.Comments[0], alice.ID) {
		t.Errorf("comments = %q, want one naming Alice (name, email, Slack ID)", st.Comments)
	}
	if text := cardText(t, h.card(c.TS)); !strings.Contains(text, "Approved* by <@UALICE>") {
		t.Errorf("final card does not name the decider:\n%s", text)
	}
	h.waitFor("thread reply", func() bool { return len(h.slack.Messages(channel)) > len(h.cards()) })
	h.waitFor("private answer to the clicker", func() bool { return len(h.ephemerals(alice)) == 1 })
}

func TestTwoStepFlowApprovesTwiceOnOneCard(t *testing.T) {
	h := newHarness(t)
	n := h.addIssue("roles/projectOwner", "roles/workspaceDBA")
	h.webhook(n)
	c := h.waitCard(1)

	if code, _ := h.click(bob, c, slackui.ActionApprove); code != 200 {
		t.Fatal("click 1")
	}
	h.waitFor("step 2 on the card", func() bool {
		return strings.Contains(cardText(t, h.card(c.TS)), "2 of 2") && len(h.issueState(n).Approvers) == 1
	})
	step2 := h.card(c.TS)
	if !hasButtons(t, step2) {
		t.Fatal("step 2 must still offer buttons")
	}
	if code, _ := h.click(alice, step2, slackui.ActionApprove); code != 200 {
		t.Fatal("click 2")
	}
	h.waitFor("card closed", func() bool { return !hasButtons(t, h.card(c.TS)) })
	st := h.issueState(n)
	if st.ApprovalStatus != "APPROVED" || len(st.Approvers) != 2 {
		t.Errorf("issue = %+v, want two approvals", st)
	}
	if got := len(h.bb.CallsTo(":approve")); got != 2 {
		t.Errorf("approve called %d times, want 2", got)
	}
	if len(h.cards()) != 1 {
		t.Errorf("%d cards, want the same card for both steps", len(h.cards()))
	}
}

func TestDenyWithReasonRejectsInBytebase(t *testing.T) {
	h := newHarness(t)
	n := h.addIssue("roles/workspaceDBA")
	h.webhook(n)
	c := h.waitCard(1)
	if code, _ := h.click(alice, c, slackui.ActionDeny); code != 200 {
		t.Fatal("click")
	}
	// Deny opens the reason dialog; submitting it decides.
	h.waitFor("deny dialog", func() bool { return len(h.slack.Views()) == 1 })
	if code, body := h.submitDeny(alice, 0, "Use the read replica instead"); code != 200 || body != "" {
		t.Fatalf("submit: %d %q", code, body)
	}
	h.waitFor("card closed", func() bool { return !hasButtons(t, h.card(c.TS)) })
	st := h.issueState(n)
	if st.ApprovalStatus != "REJECTED" {
		t.Errorf("approval = %s, want REJECTED", st.ApprovalStatus)
	}
	if len(h.bb.CallsTo(":reject")) != 1 || len(h.bb.CallsTo(":approve")) != 0 {
		t.Errorf("reject/approve calls = %d/%d, want 1/0", len(h.bb.CallsTo(":reject")), len(h.bb.CallsTo(":approve")))
	}
	if len(st.Comments) != 1 || !strings.Contains(st.Comments[0], "Denied in Slack by Alice DBA") ||
		!strings.Contains(st.Comments[0], "Reason: Use the read replica instead") {
		t.Errorf("comments = %q", st.Comments)
	}
	if text := cardText(t, h.card(c.TS)); !strings.Contains(text, "Use the read replica instead") {
		t.Errorf("card does not show the reason:\n%s", text)
	}
	h.waitFor("requester told", func() bool {
		dms := h.slack.DMs(dev.ID)
		return len(dms) == 2 && strings.Contains(dms[1].Text, "Use the read replica instead")
	})
}

func TestRequesterUnauthorizedAndForgedClicksChangeNothing(t *testing.T) {
	h := newHarness(t)
	n := h.addIssue("roles/workspaceDBA")
	h.webhook(n)
	c := h.waitCard(1)

	// bob owns the project but step 1 needs a workspace DBA; eve holds nothing.
	for _, u := range []slackfake.User{bob, eve} {
		if code, _ := h.click(u, c, slackui.ActionApprove); code != 200 {
			t.Fatal("click")
		}
		h.waitFor("answer to "+u.Name, func() bool { return len(h.ephemerals(u)) == 1 })
		if msg := h.ephemerals(u)[0]; !strings.Contains(msg, "roles/workspaceDBA") || !strings.Contains(msg, "Nothing was done") {
			t.Errorf("%s told %q", u.Name, msg)
		}
	}
	h.waitFor("refusals in the thread", func() bool {
		n := 0
		for _, m := range h.slack.Messages(channel) {
			if m.ThreadTS == c.TS && strings.Contains(m.Text, "refused") {
				n++
			}
		}
		return n == 2
	})

	if code, _ := h.click(dev, c, slackui.ActionApprove); code != 200 {
		t.Fatal("click")
	}
	h.waitFor("answer to the requester", func() bool { return len(h.ephemerals(dev)) == 1 })
	if msg := h.ephemerals(dev)[0]; !strings.Contains(msg, "You requested this access") {
		t.Errorf("requester told %q", msg)
	}

	value, _ := button(t, c, slackui.ActionApprove)
	forged := slackfake.BlockActionPayload(alice.ID, alice.Name, channel, c.TS, slackui.ActionApprove, value, "1700002000.000001")
	if code, body := h.send(forged, "not-the-signing-secret"); code != 401 {
		t.Fatalf("forged click: %d %s, want 401", code, body)
	}

	time.Sleep(300 * time.Millisecond)
	if calls := len(h.bb.CallsTo(":approve")) + len(h.bb.CallsTo(":reject")); calls != 0 {
		t.Errorf("Bytebase got %d decisions, want none", calls)
	}
	if st := h.issueState(n); st.ApprovalStatus != "PENDING" || len(st.Approvers) != 0 {
		t.Errorf("issue changed: %+v", st)
	}
	if got := h.card(c.TS); got.Updates != 0 || !hasButtons(t, got) {
		t.Errorf("card changed: %d updates", got.Updates)
	}
	for _, s := range secretsIn(h.logs.String()) {
		t.Errorf("logs contain a secret (%d chars)", len(s))
	}
}

func TestPendingRequestSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, withStateDir(dir))
	n := h.addIssue("roles/workspaceDBA")
	h.webhook(n)
	c := h.waitCard(1)

	h.stop() // Ctrl-C
	h.start()

	if code, body := h.click(alice, c, slackui.ActionApprove); code != 200 {
		t.Fatalf("click after restart: %d %s", code, body)
	}
	h.waitFor("card closed after restart", func() bool { return !hasButtons(t, h.card(c.TS)) })
	if st := h.issueState(n); st.ApprovalStatus != "APPROVED" {
		t.Errorf("approval = %s", st.ApprovalStatus)
	}
	if len(h.cards()) != 1 {
		t.Errorf("%d cards, want 1", len(h.cards()))
	}
}
