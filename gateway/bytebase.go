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
		_, err = g.cfg.Temporal.SignalWithStartWorkflow(ctx, id, workflows.SignalHint, hint,
			workflows.StartOptions(ev.Issue, g.cfg.TaskQueue, g.summary(ctx, ev.Issue)), workflows.ApprovalWorkflowName,
			workflows.ApprovalInput{Issue: ev.Issue})
		if err != nil {
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

// summaryTimeout bounds the optional issue read, so the webhook still
// answers well inside Bytebase's 3 seconds.
const summaryTimeout = time.Second

// summary is the request in words for the workflow's static summary, read
// from Bytebase's API (never from the webhook's text); "" when the gateway
// has no Bytebase credentials or the read fails; the workflow reads the
// issue itself either way.
func (g *gateway) summary(ctx context.Context, ref bytebase.IssueRef) string {
	if g.cfg.Issues == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, summaryTimeout)
	defer cancel()
	is, err := g.cfg.Issues.GetIssue(ctx, ref)
	if err != nil {
		g.log.Debug("reading the issue for its summary failed", "issue", ref.String(), "error", err)
		return ""
	}
	return is.Summary()
}

// ack is the reply Bytebase counts as delivered: "ok" for SLACK-type
// webhooks, a JSON body with code 0 for CUSTOM ones.
func ack(c echo.Context, shape webhook.Shape) error {
	if shape == webhook.ShapeCustom {
		return c.JSON(http.StatusOK, map[string]int{"code": 0})
	}
	return c.String(http.StatusOK, "ok")
}
