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
// checked over the raw body before anything is parsed. A click is signalled to
// its workflow and only then acknowledged: once Slack has its 200 the click is
// in the workflow's history and survives any crash. Slack never retries an
// interaction, so a failure to hand over is a 503 the clicker sees.
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
	if cb.Type != slack.InteractionTypeBlockActions {
		return c.NoContent(http.StatusOK) // nothing else is ours yet
	}
	for _, act := range cb.ActionCallback.BlockActions {
		click, ok, err := clickFrom(&cb, act)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		if !ok {
			continue // not one of our buttons (e.g. "Open in Bytebase")
		}
		if err := g.deliver(c.Request().Context(), click); err != nil {
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
func clickFrom(cb *slack.InteractionCallback, act *slack.BlockAction) (workflows.Click, bool, error) {
	var d workflows.Decision
	switch act.ActionID {
	case slackui.ActionApprove:
		d = workflows.Approve
	case slackui.ActionDeny:
		d = workflows.Deny
	default:
		return workflows.Click{}, false, nil
	}
	bv, err := slackui.ParseButtonValue(act.Value)
	if err != nil {
		return workflows.Click{}, false, errors.New("button value is not a jitflow request")
	}
	if _, err := workflows.ParseWorkflowID(bv.WorkflowID); err != nil {
		return workflows.Click{}, false, errors.New("button value is not a jitflow request")
	}
	if cb.User.ID == "" || act.ActionTs == "" {
		return workflows.Click{}, false, errors.New("click without user or action_ts")
	}
	channel := cb.Container.ChannelID
	if channel == "" {
		channel = cb.Channel.ID
	}
	return workflows.Click{
		ID:         act.ActionTs + "/" + cb.User.ID,
		Decision:   d,
		Step:       bv.Step,
		UserID:     cb.User.ID,
		Channel:    channel,
		MessageTS:  cb.Container.MessageTs,
		WorkflowID: bv.WorkflowID,
		At:         time.Now().UTC(),
	}, true, nil
}

// deliver signals the click to its workflow. A closed request can't take
// clicks any more: the clicker is told so (best effort) and Slack gets its 200.
func (g *gateway) deliver(ctx context.Context, click workflows.Click) error {
	ctx, cancel := context.WithTimeout(ctx, handoffTimeout)
	defer cancel()
	log := g.log.With("workflow_id", click.WorkflowID, "user", click.UserID, "decision", click.Decision)
	err := g.cfg.Temporal.SignalWorkflow(ctx, click.WorkflowID, "", workflows.SignalClick, click)
	var notFound *serviceerror.NotFound
	switch {
	case err == nil:
		log.Info("click handed to the workflow")
		return nil
	case errors.As(err, &notFound):
		log.Info("click on a closed request")
		g.tellClosed(click)
		return nil
	default:
		log.Error("handing the click to the workflow failed", "error", err)
		return echo.NewHTTPError(http.StatusServiceUnavailable, "could not record the click; please click again")
	}
}

func (g *gateway) tellClosed(click workflows.Click) {
	if g.cfg.Notifier == nil || click.Channel == "" {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := g.cfg.Notifier.PostEphemeralContext(ctx, click.Channel, click.UserID,
			slack.MsgOptionText("🚫 This request is closed; nothing was done. Its card shows the outcome.", false)); err != nil {
			g.log.Warn("telling the clicker the request is closed failed", "error", err)
		}
	}()
}
