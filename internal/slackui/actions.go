package slackui

import (
	"fmt"

	"github.com/slack-go/slack"
)

func actionsBlock(c Card, value string) slack.Block {
	approve := slack.NewButtonBlockElement(ActionApprove, value, plain("Approve")).
		WithStyle(slack.StylePrimary).
		WithConfirm(approveConfirm(c))
	deny := slack.NewButtonBlockElement(ActionDeny, value, plain("Deny")).
		WithStyle(slack.StyleDanger)
	return slack.NewActionBlock(ActionsBlockID, approve, deny)
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
