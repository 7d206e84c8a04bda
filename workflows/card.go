package workflows

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/slackui"
)

// newCard is the card for an issue awaiting approval.
func newCard(workflowID string, is bytebase.Issue, p activities.RequestPolicy) slackui.Card {
	return slackui.Card{
		WorkflowID:        workflowID,
		Channel:           p.Channel,
		Mode:              p.ApprovalMode,
		RequireDenyReason: p.RequireDenyReason,
		Project:           is.Ref.Project,
		IssueNumber:       is.Ref.Number,
		Title:             is.Title,
		Requester:         is.Requester,
		Role:              is.RoleTitle(),
		Databases:         is.DatabaseNames(),
		GrantExpiresAt:    is.GrantExpiresAt,
		GrantDuration:     is.GrantDuration,
		Reason:            is.Reason,
		Link:              is.Link,
		Step:              is.PendingStep(),
		TotalSteps:        is.TotalSteps(),
		StepRole:          bytebase.HumanizeRole(is.PendingRole()),
		RequestedAt:       is.CreateTime,
		State:             slackui.StatePending,
	}
}

// decisionComment is the Bytebase comment: Bytebase records the service
// account as the approver, so the comment names the human (and carries the
// deny reason).
func decisionComment(c Click, who slackui.Person) string {
	verb := "Approved"
	if c.Decision == Deny {
		verb = "Denied"
	}
	s := fmt.Sprintf("%s in Slack by %s (%s, Slack user %s) via jitflow.", verb, who.Name, who.Email, who.SlackID)
	if reason := strings.TrimSpace(c.Reason); reason != "" {
		s += " Reason: " + reason
	}
	return s
}

// bytebaseOutcome names what happened to an issue decided in Bytebase.
func bytebaseOutcome(is bytebase.Issue) string {
	switch {
	case is.Status == "CANCELED":
		return "canceled"
	case is.ApprovalStatus == "REJECTED":
		return "rejected"
	case is.ApprovalStatus == "APPROVED":
		return "approved"
	default:
		return "done"
	}
}

func verbTitle(d Decision) string {
	if d == Deny {
		return "Reject"
	}
	return "Approve"
}

// gerund says what a decision is doing, for the card: "approving".
func gerund(d Decision) string {
	if d == Deny {
		return "denying"
	}
	return "approving"
}

// actionID maps a decision back to the button it came from.
func actionID(d Decision) string {
	if d == Deny {
		return slackui.ActionDeny
	}
	return slackui.ActionApprove
}

func approverOf(is bytebase.Issue, step int) slackui.Person {
	if step < 1 || step > len(is.Approvers) {
		return slackui.Person{}
	}
	return slackui.Person{Email: is.Approvers[step-1].Principal}
}

func lastApprover(is bytebase.Issue) slackui.Person {
	return approverOf(is, len(is.Approvers))
}

// rootMessage is an activity error's own message, without the SDK's wrapping.
func rootMessage(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}
