package gateway

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.temporal.io/api/serviceerror"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/webhook"
	"github.com/jitflow/jitflow/workflows"
)

// bytebaseWebhook takes a Bytebase project webhook. An "approval needed"
// event starts the issue's workflow or joins the running one; any other event
// is passed to a running workflow as a hint to re-read the issue.
func (g *gateway) bytebaseWebhook(c echo.Context) error {
	token := c.QueryParam("token")
	if g.cfg.WebhookToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(g.cfg.WebhookToken)) != 1 {
		return echo.NewHTTPError(http.StatusUnauthorized, "missing or wrong webhook token")
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	ev, err := webhook.Parse(body)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}

	ctx, cancel := context.WithTimeout(c.Request().Context(), handoffTimeout)
	defer cancel()
	id := workflows.WorkflowID(ev.Issue)
	hint := workflows.Hint{Event: ev.Name}
	log := g.log.With("issue", ev.Issue.String(), "workflow_id", id, "event", ev.Name)
	if ev.ApprovalNeeded {
		in, summary := workflows.ApprovalInput{Issue: ev.Issue}, ""
		if is := g.readIssue(ctx, ev.Issue); is != nil {
			in.Snapshot, summary = is, is.Summary()
		}
		if err := workflows.StartRequest(ctx, g.cfg.Temporal, g.cfg.TaskQueue, summary, in, hint); err != nil {
			log.Error("starting the approval workflow failed", "error", err)
			return echo.NewHTTPError(http.StatusServiceUnavailable, "could not start the approval workflow; Bytebase will retry")
		}
		log.Info("approval request received")
	} else {
		err = g.cfg.Temporal.SignalWorkflow(ctx, id, "", workflows.SignalHint, hint)
		var notFound *serviceerror.NotFound
		switch {
		case errors.As(err, &notFound):
			log.Debug("event for an issue without a running request: ignored")
		case err != nil:
			log.Error("passing the event to the workflow failed", "error", err)
			return echo.NewHTTPError(http.StatusServiceUnavailable, "could not pass the event on; Bytebase will retry")
		default:
			log.Info("event passed to the running request")
		}
	}
	return ack(c, ev.Shape)
}

// issueReadTimeout bounds the optional issue read, so the webhook still
// answers well inside Bytebase's 3 seconds.
const issueReadTimeout = time.Second

// readIssue reads the issue from Bytebase's API (never from the webhook's
// text) for the new workflow: its static summary in the Temporal UI says
// what the request is, and the workflow need not read the issue again. nil
// when the gateway has no Bytebase credentials or the read fails; the
// workflow then reads the issue itself.
func (g *gateway) readIssue(ctx context.Context, ref bytebase.IssueRef) *bytebase.Issue {
	if g.cfg.Issues == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, issueReadTimeout)
	defer cancel()
	is, err := g.cfg.Issues.GetIssue(ctx, ref)
	if err != nil {
		g.log.Debug("reading the issue for the new request failed", "issue", ref.String(), "error", err)
		return nil
	}
	return &is
}

// ack is the reply Bytebase counts as delivered: "ok" for SLACK-type
// webhooks, a JSON body with code 0 for CUSTOM ones.
func ack(c echo.Context, shape webhook.Shape) error {
	if shape == webhook.ShapeCustom {
		return c.JSON(http.StatusOK, map[string]int{"code": 0})
	}
	return c.String(http.StatusOK, "ok")
}
