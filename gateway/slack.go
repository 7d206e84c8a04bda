package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/slack-go/slack"
	"go.temporal.io/api/serviceerror"

	"github.com/jitflow/jitflow/internal/slackui"
	"github.com/jitflow/jitflow/workflows"
)

// slackInteract takes Slack's interactivity requests. The signature is
// checked over the raw body before anything is parsed. An Approve click (or
// a submitted deny modal) is signalled to its workflow and only then
// acknowledged: once Slack has its 200 the decision is in the workflow's
// history and survives any crash. Slack never retries an interaction, so a
// failure to hand over is a 503 the clicker sees.
func (g *gateway) slackInteract(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if err := verifySlack(c.Request().Header, body, g.cfg.SigningSecret); err != nil {
		g.log.Warn("slack request refused", "reason", err.Error(), "remote", c.RealIP())
		return echo.NewHTTPError(http.StatusUnauthorized, "invalid Slack signature")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "body has no payload field")
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "payload is not valid JSON")
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		return g.blockActions(c, &cb)
	case slack.InteractionTypeViewSubmission:
		return g.viewSubmission(c, &cb)
	default:
		return c.NoContent(http.StatusOK) // nothing else is ours
	}
}

func (g *gateway) blockActions(c echo.Context, cb *slack.InteractionCallback) error {
	for _, act := range cb.ActionCallback.BlockActions {
		click, bv, ok, err := clickFrom(cb, act)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		if !ok {
			continue // not one of our buttons (e.g. "Open in Bytebase")
		}
		if click.Decision == workflows.Deny && cb.TriggerID != "" && g.cfg.Notifier != nil {
			// Deny asks for a reason first; the decision is made when the
			// modal is submitted.
			g.openDenyModal(c.Request().Context(), cb, click, bv)
			continue
		}
		if _, err := g.deliver(c.Request().Context(), click); err != nil {
			return err
		}
	}
	return c.NoContent(http.StatusOK)
}

// verifySlack checks X-Slack-Signature over the raw body and the 5-minute
// timestamp window.
func verifySlack(h http.Header, body []byte, secret string) error {
	sv, err := slack.NewSecretsVerifier(h, secret)
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	return sv.Ensure()
}

// clickFrom turns a button action into a Click. ok is false for actions that
// are not Approve/Deny. The button value only routes the click; who clicked
// comes from the signed payload's user ID alone.
func clickFrom(cb *slack.InteractionCallback, act *slack.BlockAction) (workflows.Click, slackui.ButtonValue, bool, error) {
	var d workflows.Decision
	switch act.ActionID {
	case slackui.ActionApprove:
		d = workflows.Approve
	case slackui.ActionDeny:
		d = workflows.Deny
	default:
		return workflows.Click{}, slackui.ButtonValue{}, false, nil
	}
	bv, err := buttonValue(act.Value)
	if err != nil {
		return workflows.Click{}, bv, false, err
	}
	if cb.User.ID == "" || act.ActionTs == "" {
		return workflows.Click{}, bv, false, errors.New("click without user or action_ts")
	}
	channel := cb.Container.ChannelID
	if channel == "" {
		channel = cb.Channel.ID
	}
	return workflows.Click{
		ID:         act.ActionTs + "/" + cb.User.ID,
		WorkflowID: bv.WorkflowID,
		Decision:   d,
		Step:       bv.Step,
		UserID:     cb.User.ID,
		Channel:    channel,
		MessageTS:  cb.Container.MessageTs,
		At:         time.Now().UTC(),
	}, bv, true, nil
}

func buttonValue(s string) (slackui.ButtonValue, error) {
	bv, err := slackui.ParseButtonValue(s)
	if err != nil {
		return bv, errors.New("button value is not a jitflow request")
	}
	if _, err := workflows.ParseWorkflowID(bv.WorkflowID); err != nil {
		return bv, errors.New("button value is not a jitflow request")
	}
	return bv, nil
}

// deliver signals the click to its workflow. closed is true when the request
// has ended: the clicker is told so (best effort) and Slack gets its 200.
func (g *gateway) deliver(ctx context.Context, click workflows.Click) (closed bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, handoffTimeout)
	defer cancel()
	log := g.log.With("issue", issueOf(click.WorkflowID), "workflow_id", click.WorkflowID, "user", click.UserID, "decision", click.Decision)
	err = g.cfg.Temporal.SignalWorkflow(ctx, click.WorkflowID, "", workflows.SignalClick, click)
	var notFound *serviceerror.NotFound
	switch {
	case err == nil:
		log.Info("click handed to the workflow")
		return false, nil
	case errors.As(err, &notFound):
		log.Info("click on a closed request")
		g.tell(click.WorkflowID, click.Channel, click.UserID, "🚫 This request is closed; nothing was done. Its card shows the outcome.")
		return true, nil
	default:
		log.Error("handing the click to the workflow failed", "error", err)
		return false, echo.NewHTTPError(http.StatusServiceUnavailable, "could not record the click; please click again")
	}
}

// issueOf names the issue behind a workflow ID for log lines.
func issueOf(workflowID string) string {
	ref, err := workflows.ParseWorkflowID(workflowID)
	if err != nil {
		return ""
	}
	return ref.String()
}

// tell posts a private note to a user, in the background: the reply to Slack
// must not wait for it.
func (g *gateway) tell(workflowID, channel, userID, text string) {
	if g.cfg.Notifier == nil || channel == "" {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := g.cfg.Notifier.PostEphemeralContext(ctx, channel, userID, slack.MsgOptionText(text, false)); err != nil {
			g.log.Warn("private note to the clicker failed", "issue", issueOf(workflowID), "workflow_id", workflowID, "user", userID, "error", err)
		}
	}()
}
