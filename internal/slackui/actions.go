package slackui

import (
	"fmt"

	"github.com/slack-go/slack"
)

// buttonValues are the Approve and Deny button values. Deny also tells the
// gateway whether its modal must demand a reason. ok is false when either
// would break Slack's length limit.
func buttonValues(c Card) (approve, deny string, ok bool) {
	approve, okApprove := encodeButtonValue(ButtonValue{WorkflowID: c.WorkflowID, Step: c.Step})
	deny, okDeny := encodeButtonValue(ButtonValue{WorkflowID: c.WorkflowID, Step: c.Step, RequireReason: c.RequireDenyReason})
	return approve, deny, okApprove && okDeny
}

func actionsBlock(c Card, approveValue, denyValue string) slack.Block {
	approve := slack.NewButtonBlockElement(ActionApprove, approveValue, plain("Approve")).
		WithStyle(slack.StylePrimary).
		WithConfirm(approveConfirm(c))
	deny := slack.NewButtonBlockElement(ActionDeny, denyValue, plain("Deny")).
		WithStyle(slack.StyleDanger)
	return slack.NewActionBlock(ActionsBlockID, approve, deny)
}

// reviewBlock is a notify-only card's link to the issue, or nil when the
// link is not an http(s) URL.
func reviewBlock(c Card) slack.Block {
	link, ok := httpURL(c.Link)
	if !ok {
		return nil
	}
	review := slack.NewButtonBlockElement(ActionReview, "", plain("Review in Bytebase")).WithURL(link)
	return slack.NewActionBlock(ActionsBlockID, review)
}

// approveConfirm asks the approver to confirm what exactly they grant. The
// dialog is plain text, so it names the requester by email, not mention;
// the pieces are capped to stay under the 300-rune limit.
func approveConfirm(c Card) *slack.ConfirmationBlockObject {
	requester := c.Requester
	if requester == "" {
		requester = "the requester"
	}
	text := fmt.Sprintf("Grant %s on %s to %s (step %s · %s)?",
		orDash(EscapeTruncate(c.Role, 50)),
		databaseSummary(c.Databases, 50),
		EscapeTruncate(requester, 60),
		stepOf(c.Step, c.TotalSteps),
		orDash(EscapeTruncate(c.StepRole, 40)))
	return slack.NewConfirmationBlockObject(
		plain("Approve access?"),
		plain(Truncate(text, maxConfirmText)),
		plain("Approve"),
		plain("Cancel"))
}
