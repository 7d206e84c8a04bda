// Package gateway is jitflow's HTTP face: Bytebase webhooks in, Slack
// interactions in. Handlers verify, hand over to Temporal and answer fast;
// all decisions are made by the workflow.
package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/slack-go/slack"
	"go.temporal.io/sdk/client"
)

// Temporal is the part of the Temporal client the gateway uses.
type Temporal interface {
	SignalWithStartWorkflow(ctx context.Context, workflowID, signalName string, signalArg any,
		options client.StartWorkflowOptions, workflow any, workflowArgs ...any) (client.WorkflowRun, error)
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
}

// Notifier tells a Slack user something privately, for clicks that never
// reach a workflow (the request is closed). *slack.Client is one.
type Notifier interface {
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
}

// Config is what the gateway needs.
type Config struct {
	Temporal      Temporal
	TaskQueue     string
	SigningSecret string
	WebhookToken  string
	Notifier      Notifier // optional
	Logger        *slog.Logger
}

const (
	// maxBody bounds every request body we read.
	maxBody = 1 << 20
	// handoffTimeout keeps replies inside Bytebase's and Slack's 3 s limits.
	handoffTimeout = 2500 * time.Millisecond
)

// New builds the echo server with all routes.
func New(cfg Config) *echo.Echo {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	g := &gateway{cfg: cfg, log: cfg.Logger}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = g.handleError
	e.Use(middleware.RequestID())
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true}))

	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.POST("/api/bytebase/webhook", g.bytebaseWebhook)
	e.POST("/api/slack/interact", g.slackInteract)
	return e
}

type gateway struct {
	cfg Config
	log *slog.Logger
}

// errorBody is every error reply: {"error": "..."}.
type errorBody struct {
	Error string `json:"error"`
}

func (g *gateway) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, msg := http.StatusInternalServerError, "internal error"
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
		if m, ok := he.Message.(string); ok {
			msg = m
		} else {
			msg = http.StatusText(code)
		}
	}
	if code >= 500 {
		g.log.Error("request failed", "path", c.Path(), "status", code, "error", err,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
		return
	}
	_ = c.JSON(code, errorBody{Error: msg})
}

// readBody reads at most maxBody bytes; a larger body is a 413.
func readBody(c echo.Context) ([]byte, error) {
	r := http.MaxBytesReader(c.Response(), c.Request().Body, maxBody)
	b, err := io.ReadAll(r)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, "body larger than 1 MiB")
	case err != nil:
		return nil, echo.NewHTTPError(http.StatusBadRequest, "could not read body")
	}
	return b, nil
}
