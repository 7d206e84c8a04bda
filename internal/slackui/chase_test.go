package slackui

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestReminderReply(t *testing.T) {
	c := escalatedCard()
	since := slackDate(requested)
	if got, want := ReminderReply(c, []Person{dba, owner, dba}), "🔔 Still waiting for step 1 of 2 (Workspace DBA) since "+since+". <@U0DBA> <@U0OWNER>"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got, want := ReminderReply(c, nil), "🔔 Still waiting for step 1 of 2 (Workspace DBA) since "+since+"."; got != want {
		t.Errorf("no approvers: %q", got)
	}
	var many []Person
	for i := range 13 {
		many = append(many, Person{SlackID: fmt.Sprintf("U%03d", i)})
	}
	if got := ReminderReply(c, many); !strings.HasSuffix(got, "<@U009> and 3 more") || strings.Contains(got, "<@U010>") {
		t.Errorf("13 approvers: %q", got)
	}
}

// The step's own start wins over the request's; an earlier step's approval
// stands in when the workflow didn't say.
func TestReminderReplySince(t *testing.T) {
	c := goldenCards()["pending_step2of2"]
	if got := ReminderReply(c, nil); !strings.Contains(got, "since "+slackDate(decided)) {
		t.Errorf("step 2 without StepSince: %q", got)
	}
	c.StepSince = decided.Add(time.Minute)
	if got := ReminderReply(c, nil); !strings.Contains(got, "since "+slackDate(c.StepSince)) {
		t.Errorf("step 2 with StepSince: %q", got)
	}
}

func TestEscalationReply(t *testing.T) {
	for _, tc := range []struct {
		change func(*Card)
		want   string
	}{
		{func(*Card) {}, "🚨 Escalated to <!subteam^S0ONCALL|@db-oncall> <@U0LEAD> in <#C0ONCALL> after 30m"},
		{func(c *Card) { c.EscalatedTo.Channel = "" }, "🚨 Escalated to <!subteam^S0ONCALL|@db-oncall> <@U0LEAD> after 30m"},
		{func(c *Card) { c.EscalatedTo = Escalation{Channel: "C0ONCALL"} }, "🚨 Escalated to <#C0ONCALL> after 30m"},
		{func(c *Card) { c.EscalatedTo = Escalation{} }, "🚨 Escalated to on-call after 30m"},
		{func(c *Card) { c.EscalatedAt = time.Time{} }, "🚨 Escalated to <!subteam^S0ONCALL|@db-oncall> <@U0LEAD> in <#C0ONCALL>"},
		{func(c *Card) { c.EscalatedAt = requested.Add(-time.Hour) }, "🚨 Escalated to <!subteam^S0ONCALL|@db-oncall> <@U0LEAD> in <#C0ONCALL>"},
	} {
		c := escalatedCard()
		tc.change(&c)
		if got := EscalationReply(c); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}
