package slackui

import (
	"fmt"
	"strings"
	"time"
)

// Fixed times: rendering must not depend on the clock.
var (
	requested = time.Date(2024, 5, 1, 9, 30, 0, 0, time.UTC)
	decided   = time.Date(2024, 5, 1, 10, 15, 0, 0, time.UTC)
	expires   = time.Date(2024, 5, 8, 10, 15, 0, 0, time.UTC)

	// The request lifecycle's timers, counted from requested.
	reminded   = requested.Add(15 * time.Minute)
	escalated  = requested.Add(30 * time.Minute)
	autoDenied = requested.Add(2 * time.Hour)
)

func baseCard() Card {
	return Card{
		WorkflowID:     "jit/project-sample/123",
		Project:        "project-sample",
		IssueNumber:    123,
		Title:          "Read access to HR data for the Q2 audit",
		Requester:      "alice@example.com",
		RequesterSlack: "U0ALICE",
		Role:           "SQL Editor User",
		Databases:      []string{"hr_prod", "hr_archive"},
		GrantExpiresAt: expires,
		GrantDuration:  7 * 24 * time.Hour,
		Reason:         "Quarterly audit of salary bands.\nNeeds read-only access.",
		Link:           "https://bytebase.example.com/projects/project-sample/issues/123",
		Step:           1,
		TotalSteps:     2,
		StepRole:       "Workspace DBA",
		RequestedAt:    requested,
		State:          StatePending,
	}
}

var (
	dba    = Person{SlackID: "U0DBA", Name: "Dana DBA", Email: "dana@example.com"}
	owner  = Person{SlackID: "U0OWNER", Name: "Omar Owner", Email: "omar@example.com"}
	oncall = Escalation{Channel: "C0ONCALL", UsergroupID: "S0ONCALL", UsergroupHandle: "@db-oncall", Users: []string{"U0LEAD"}}
)

// lifecycleCard is a pending card under a policy with every timer set, as
// posted: nothing has fired yet.
func lifecycleCard() Card {
	c := baseCard()
	c.Channel = "C0DBACCESS"
	c.RequireDenyReason = true
	c.StepSince = requested
	c.EscalatesAt = escalated
	c.ExpiresAt = autoDenied
	return c
}

// escalatedCard is lifecycleCard after its reminder and escalation fired.
func escalatedCard() Card {
	c := lifecycleCard()
	c.RemindedAt = reminded
	c.EscalatesAt = time.Time{}
	c.EscalatedAt = escalated
	c.EscalatedTo = oncall
	return c
}

// hostileCard carries markup in every field a requester controls.
func hostileCard() Card {
	c := baseCard()
	c.Title = "Hi <!channel> see <https://evil|Bytebase> & <@U0BOSS>"
	c.Reason = "<!channel> urgent!\n<https://evil|click here> & <!subteam^S123>"
	c.Role = "Role <b>"
	c.Databases = []string{"db<!here>", "a&b"}
	c.Requester = "eve@example.com>"
	c.RequesterSlack = "U1><!channel"
	c.StepRole = "<!everyone>"
	c.Project = "<https://evil|p>"
	c.Link = "https://bytebase.example.com/issues/1?q=a|b>c&d=<x>"
	return c
}

// hostileLifecycle carries markup in every lifecycle field a person or
// policy file can reach, and a 5,000-character deny reason.
func hostileLifecycle() Card {
	c := hostileCard()
	c.Channel = "C1><!channel>"
	c.EscalatedAt = escalated
	c.EscalatedTo = Escalation{Channel: "<#C0X|x>", UsergroupID: "S1><!channel>", UsergroupHandle: "@x|<!channel>", Users: []string{"<!here>", "U1><!channel>"}}
	c.Decider = &Person{SlackID: "<!channel>", Name: "<https://evil|Dana>", Email: "<!everyone>"}
	c.DenyReason = strings.Repeat("No <!channel> & <https://evil|x>. ", 200)[:5000]
	c.ExpiryNote = "<!channel> expired <https://evil|x>"
	return c
}

// goldenCards are the golden-tested cases, by file name.
func goldenCards() map[string]Card {
	cards := map[string]Card{}

	cards["pending_step1of2"] = baseCard()

	trouble := baseCard()
	trouble.Trouble = "Bytebase is not answering while approving step 1 for <@U0BOSS> & co"
	trouble.TroubleSince = decided
	cards["pending_trouble"] = trouble

	single := baseCard()
	single.Databases = []string{"hr_prod"}
	single.Step, single.TotalSteps = 1, 1
	single.GrantExpiresAt, single.GrantDuration = time.Time{}, 0
	single.RequesterSlack = ""
	cards["pending_single_no_expiry"] = single

	step2 := baseCard()
	step2.Step, step2.StepRole = 2, "Project Owner"
	step2.StepsApproved = []StepDecision{{Step: 1, Role: "Workspace DBA", By: dba, At: decided}}
	cards["pending_step2of2"] = step2

	approved := step2
	approved.State = StateApproved
	approved.Decider = &owner
	approved.DecidedAt = decided.Add(time.Hour)
	cards["approved_with_earlier_step"] = approved

	// The workflow may also record the final step; it must not show twice.
	final := approved
	final.StepsApproved = append(final.StepsApproved, StepDecision{Step: 2, Role: "Project Owner", By: owner, At: approved.DecidedAt})
	cards["approved_final_step_recorded"] = final

	denied := baseCard()
	denied.State = StateDenied
	denied.Decider = &dba
	denied.DecidedAt = decided
	denied.DenyReason = "Use the reporting replica instead.\nProd access isn't needed."
	cards["denied_with_reason"] = denied

	failed := baseCard()
	failed.State = StateFailed
	failed.Failure = "Bytebase rejected the approval (HTTP 403)."
	cards["failed"] = failed

	inBytebase := baseCard()
	inBytebase.State = StateDecidedInBytebase
	inBytebase.Decider = &Person{Name: "Bea Bytebase", Email: "bea@example.com"}
	inBytebase.DecidedAt = decided
	cards["decided_in_bytebase"] = inBytebase

	expired := baseCard()
	expired.State = StateExpired
	expired.DecidedAt = decided
	cards["expired"] = expired

	closed := baseCard()
	closed.State = StateClosed
	cards["closed"] = closed

	cards["pending_escalates_expires"] = lifecycleCard()
	cards["pending_reminded_escalated"] = escalatedCard()

	notify := lifecycleCard()
	notify.Mode = ModeNotifyOnly
	cards["pending_notify_only"] = notify

	autoExpired := escalatedCard()
	autoExpired.State = StateExpired
	autoExpired.DecidedAt = autoDenied
	autoExpired.ExpiryNote = "No decision within 2h; denied automatically"
	cards["expired_auto_denied"] = autoExpired

	for _, outcome := range []string{BytebaseApproved, BytebaseRejected, BytebaseCanceled} {
		c := inBytebase
		c.DecidedInBytebase = outcome
		cards["decided_in_bytebase_"+outcome] = c
	}

	cards["hostile"] = hostileCard()

	hostileEscalated := hostileLifecycle()
	hostileEscalated.Decider, hostileEscalated.DenyReason = nil, ""
	cards["hostile_escalated"] = hostileEscalated

	hostileDenied := hostileLifecycle()
	hostileDenied.State = StateDenied
	hostileDenied.DecidedAt = decided
	cards["hostile_denied_5000"] = hostileDenied

	long := baseCard()
	long.Reason = strings.Repeat("Long reason & more <text>. ", 200)[:5000]
	cards["reason_5000"] = long

	return cards
}

// hugeCard pushes every user-controlled field far past every limit.
func hugeCard() Card {
	big := strings.Repeat("<&>é", 3000)
	c := baseCard()
	c.WorkflowID = strings.Repeat("w", 1900)
	c.Project, c.Title, c.Requester, c.Role, c.StepRole, c.Reason = big, big, big, big, big, big
	c.RequesterSlack = ""
	c.Databases = nil
	for range 500 {
		c.Databases = append(c.Databases, big[:200])
	}
	c.Step, c.TotalSteps = 999999, 999999
	for i := range 300 {
		c.StepsApproved = append(c.StepsApproved, StepDecision{Step: i + 1, Role: big, By: Person{Name: big}, At: decided})
	}
	c.Channel = big
	c.StepSince, c.RemindedAt, c.EscalatesAt, c.EscalatedAt, c.ExpiresAt = requested, reminded, escalated, escalated, autoDenied
	c.EscalatedTo = Escalation{Channel: big, UsergroupID: "S0ONCALL", UsergroupHandle: big, Users: hugeUsers()}
	c.ExpiryNote = big
	c.DecidedInBytebase = big
	return c
}

// hugeUsers is far more valid user IDs than a mention list shows.
func hugeUsers() []string {
	var ids []string
	for i := range 500 {
		ids = append(ids, fmt.Sprintf("U%08d", i))
	}
	return ids
}

// hugePeople is far more approvers, with overlong names, than a reply shows.
func hugePeople() []Person {
	var people []Person
	for i := range 500 {
		people = append(people, Person{Name: fmt.Sprintf("%d %s", i, strings.Repeat("<&>é", 3000))})
	}
	return people
}
