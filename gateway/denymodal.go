package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/slack-go/slack"

	"github.com/jitflow/jitflow/internal/slackui"
	"github.com/jitflow/jitflow/workflows"
)

// denyMetadata is the deny modal's private_metadata: a view_submission
// carries no channel or message, so the modal remembers which click opened
// it. Slack returns it inside the signed submission.
type denyMetadata struct {
	WorkflowID    string `json:"wf"`
	Step          int    `json:"step"`
	Channel       string `json:"ch,omitempty"`
	MessageTS     string `json:"ts,omitempty"`
	RequireReason bool   `json:"r,omitempty"`
}

// cardQueryTimeout leaves time for views.open inside Slack's 3 seconds.
const cardQueryTimeout = 800 * time.Millisecond

// openDenyModal opens the modal that asks for a deny reason. It shows the
// request as its workflow describes it; if the workflow can't answer in time
// the modal still opens, with what the button said.
func (g *gateway) openDenyModal(ctx context.Context, cb *slack.InteractionCallback, click workflows.Click, bv slackui.ButtonValue) {
	card := slackui.Card{WorkflowID: bv.WorkflowID, Step: bv.Step, RequireDenyReason: bv.RequireReason}
	qctx, cancel := context.WithTimeout(ctx, cardQueryTimeout)
	if v, err := g.cfg.Temporal.QueryWorkflow(qctx, bv.WorkflowID, "", workflows.QueryState); err == nil {
		var st workflows.State
		if v.Get(&st) == nil && st.Card.WorkflowID == bv.WorkflowID {
			card = st.Card
			card.Step, card.RequireDenyReason = bv.Step, bv.RequireReason
		}
	}
	cancel()
	md, _ := json.Marshal(denyMetadata{WorkflowID: bv.WorkflowID, Step: bv.Step, Channel: click.Channel, MessageTS: click.MessageTS, RequireReason: bv.RequireReason})
	vctx, cancel := context.WithTimeout(ctx, handoffTimeout-cardQueryTimeout)
	defer cancel()
	if _, err := g.cfg.Notifier.OpenViewContext(vctx, cb.TriggerID, slackui.DenyModal(card, string(md))); err != nil {
		g.log.Error("opening the deny dialog failed", "issue", issueOf(bv.WorkflowID), "workflow_id", bv.WorkflowID, "error", err)
		g.tell(bv.WorkflowID, click.Channel, click.UserID, "⚠️ The deny dialog could not be opened; nothing was done. Please click Deny again.")
	}
}

// viewSubmission takes a submitted deny modal: the reason is checked (a
// required one must be there) and the denial signalled like a click.
func (g *gateway) viewSubmission(c echo.Context, cb *slack.InteractionCallback) error {
	if cb.View.CallbackID != slackui.DenyModalCallbackID {
		return c.NoContent(http.StatusOK)
	}
	var md denyMetadata
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &md); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "deny dialog without its request")
	}
	if _, err := workflows.ParseWorkflowID(md.WorkflowID); err != nil || cb.User.ID == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "deny dialog without its request")
	}
	reason := slackui.DenyReason(cb.View.State)
	if md.RequireReason && reason == "" {
		return c.JSON(http.StatusOK, modalErrors(slackui.DenyReasonRequiredError()))
	}
	click := workflows.Click{
		// The view ID is the same if Slack's request is replayed, so a
		// replayed submission is the same click.
		ID:         "view/" + cb.View.ID + "/" + cb.User.ID,
		WorkflowID: md.WorkflowID,
		Decision:   workflows.Deny,
		Step:       md.Step,
		UserID:     cb.User.ID,
		Channel:    md.Channel,
		MessageTS:  md.MessageTS,
		Reason:     reason,
		At:         time.Now().UTC(),
	}
	closed, err := g.deliver(c.Request().Context(), click)
	if err != nil {
		return err
	}
	if closed {
		return c.JSON(http.StatusOK, modalErrors(map[string]string{
			slackui.DenyReasonBlockID: "This request is already closed; nothing was done.",
		}))
	}
	return c.NoContent(http.StatusOK) // closes the modal
}

// modalErrors is the reply that shows messages under a modal's inputs.
func modalErrors(errs map[string]string) map[string]any {
	return map[string]any{"response_action": "errors", "errors": errs}
}
