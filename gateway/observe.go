package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/labstack/echo/v4"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/jitflow/jitflow/internal/metrics"
	"github.com/jitflow/jitflow/workflows"
)

// observe records every request's route, status and latency, and counts
// refused webhooks and clicks (their 4xx). It commits error replies itself so
// the status it records is the one the client got.
func (g *gateway) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		route, status := c.Path(), c.Response().Status
		if !g.routes[route] {
			route = "unmatched" // scanners' paths must not become label values
		}
		g.cfg.Metrics.ObserveHTTP(route, c.Request().Method, status, time.Since(start))
		if status >= 400 && status < 500 {
			switch route {
			case routeWebhook:
				g.cfg.Metrics.Webhook(metrics.WebhookRejected)
			case routeInteract:
				g.cfg.Metrics.Click(metrics.ClickRefused)
			}
		}
		return nil
	}
}

// logPanic logs a recovered panic with its stack, for operators only: the
// client gets a plain JSON 500 with the request ID.
func (g *gateway) logPanic(c echo.Context, err error, stack []byte) error {
	g.log.Error("handler panicked", "path", c.Path(), "error", err, "stack", string(stack),
		"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	return &echo.HTTPError{Code: http.StatusInternalServerError, Message: "internal error", Internal: err}
}

// requestIDPattern is what a caller-supplied X-Request-ID may look like;
// anything else (huge, or with characters meant for a log viewer) is replaced.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func dropBadRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if id := h.Get(echo.HeaderXRequestID); id != "" && !requestIDPattern.MatchString(id) {
			h.Del(echo.HeaderXRequestID)
		}
		return next(c)
	}
}

// limitBody refuses a body larger than limit: at once when Content-Length
// says so, and while reading otherwise.
func limitBody(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > limit {
				return tooLarge(limit)
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
			return next(c)
		}
	}
}

func tooLarge(limit int64) error {
	size := fmt.Sprintf("%d KiB", limit>>10)
	if limit >= 1<<20 && limit%(1<<20) == 0 {
		size = fmt.Sprintf("%d MiB", limit>>20)
	}
	return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "body larger than "+size)
}

// countingTemporal counts webhook and click outcomes where the gateway hands
// them to Temporal, so the handlers carry no metrics code.
type countingTemporal struct {
	Temporal
	m *metrics.Metrics
}

// ExecuteWorkflow counts a new request as started. Its workflow running
// already is not counted here: the SignalWithStart that follows counts it.
func (t countingTemporal) ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error) {
	run, err := t.Temporal.ExecuteWorkflow(ctx, options, workflow, args...)
	var running *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case err == nil:
		t.m.Webhook(metrics.WebhookStarted)
	case !errors.As(err, &running):
		t.m.Webhook(metrics.WebhookFailed)
	}
	return run, err
}

func (t countingTemporal) SignalWithStartWorkflow(ctx context.Context, workflowID, signalName string, signalArg any,
	options client.StartWorkflowOptions, workflow any, workflowArgs ...any) (client.WorkflowRun, error) {
	run, err := t.Temporal.SignalWithStartWorkflow(ctx, workflowID, signalName, signalArg, options, workflow, workflowArgs...)
	if err != nil {
		t.m.Webhook(metrics.WebhookFailed)
	} else {
		t.m.Webhook(metrics.WebhookStarted)
	}
	return run, err
}

func (t countingTemporal) SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error {
	err := t.Temporal.SignalWorkflow(ctx, workflowID, runID, signalName, arg)
	switch signalName {
	case workflows.SignalHint:
		t.m.Webhook(outcome(err, metrics.WebhookHinted, metrics.WebhookIgnored, metrics.WebhookFailed))
	case workflows.SignalClick:
		t.m.Click(outcome(err, metrics.ClickDelivered, metrics.ClickClosed, metrics.ClickFailed))
	}
	return err
}

// outcome of a signal: taken, its workflow had closed (NotFound), or failed.
func outcome[T any](err error, taken, closed, failed T) T {
	var notFound *serviceerror.NotFound
	switch {
	case err == nil:
		return taken
	case errors.As(err, &notFound):
		return closed
	default:
		return failed
	}
}
