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
	"go.temporal.io/sdk/converter"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/health"
	"github.com/jitflow/jitflow/internal/metrics"
)

// Temporal is the part of the Temporal client the gateway uses.
type Temporal interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	SignalWithStartWorkflow(ctx context.Context, workflowID, signalName string, signalArg any,
		options client.StartWorkflowOptions, workflow any, workflowArgs ...any) (client.WorkflowRun, error)
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
	QueryWorkflow(ctx context.Context, workflowID, runID, queryType string, args ...any) (converter.EncodedValue, error)
}

// Notifier is the Slack Web API the gateway calls itself: the deny modal
// (views.open must happen within the click's 3 seconds) and private notes for
// clicks that never reach a workflow. *slack.Client is one.
type Notifier interface {
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
}

// IssueReader reads an issue from Bytebase. With one, the webhook path gives
// a new request's workflow its static summary in words; *bytebase.Client is
// one.
type IssueReader interface {
	GetIssue(ctx context.Context, ref bytebase.IssueRef) (bytebase.Issue, error)
}

// Config is what the gateway needs.
type Config struct {
	Issues        IssueReader // optional: needs Bytebase credentials
	Temporal      Temporal
	TaskQueue     string
	SigningSecret string
	WebhookToken  string
	Notifier      Notifier // optional
	Logger        *slog.Logger
	// Metrics, when set, are recorded and served on GET /metrics.
	Metrics *metrics.Metrics
	// Readiness answers GET /readyz; nil means nothing to check.
	Readiness health.Reporter
	// RateLimit of the public endpoints per client IP; zero: DefaultRateLimit.
	RateLimit RateLimit
}

const (
	// maxBody bounds every request body we read; routes may set less.
	maxBody = 1 << 20
	// handoffTimeout keeps replies inside Bytebase's and Slack's 3 s limits.
	handoffTimeout = 2500 * time.Millisecond
)

// Routes, also the "route" label of the HTTP metrics.
const (
	routeWebhook  = "/api/bytebase/webhook"
	routeInteract = "/api/slack/interact"
)

// Body limits per route. Bytebase sends a few KiB, but an issue description
// can be long. Slack's block_actions payload echoes the whole card (up to 50
// blocks of 3,000 characters) URL-encoded, so it gets the same room.
const (
	webhookBodyLimit  = maxBody
	interactBodyLimit = maxBody
)

// New builds the echo server with all routes.
func New(cfg Config) *echo.Echo {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics != nil {
		cfg.Temporal = countingTemporal{Temporal: cfg.Temporal, m: cfg.Metrics}
	}
	g := &gateway{cfg: cfg, log: cfg.Logger, routes: map[string]bool{}}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = g.handleError
	e.Use(dropBadRequestID)
	e.Use(middleware.RequestID())
	e.Use(g.observe)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc:        g.logPanic,
		DisableErrorHandler: true, // observe commits the reply, so the 500 is counted
	}))

	e.GET("/healthz", echo.WrapHandler(health.LiveHandler()))
	e.GET("/readyz", echo.WrapHandler(health.Handler(cfg.Readiness)))
	if cfg.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(cfg.Metrics.Handler()))
	}
	// Each public endpoint has its own buckets: Bytebase can't use up Slack's.
	e.POST(routeWebhook, g.bytebaseWebhook, newIPLimiter(cfg.RateLimit).middleware, limitBody(webhookBodyLimit))
	e.POST(routeInteract, g.slackInteract, newIPLimiter(cfg.RateLimit).middleware, limitBody(interactBodyLimit))
	for _, r := range e.Routes() {
		g.routes[r.Path] = true
	}
	return e
}

type gateway struct {
	cfg    Config
	log    *slog.Logger
	routes map[string]bool // registered paths: the only values of the route label
}

// errorBody is every error reply: {"error": "...", "request_id": "..."}.
type errorBody struct {
	Error     string `json:"error"`
	RequestID string `json:"request_id,omitempty"`
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
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	if code >= 500 {
		g.log.Error("request failed", "path", c.Path(), "status", code, "error", err, "request_id", rid)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
		return
	}
	_ = c.JSON(code, errorBody{Error: msg, RequestID: rid})
}

// readBody reads at most maxBody bytes (less where the route limits it); a
// larger body is a 413.
func readBody(c echo.Context) ([]byte, error) {
	r := http.MaxBytesReader(c.Response(), c.Request().Body, maxBody)
	b, err := io.ReadAll(r)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, tooLarge(tooBig.Limit)
	case err != nil:
		return nil, echo.NewHTTPError(http.StatusBadRequest, "could not read body")
	}
	return b, nil
}
