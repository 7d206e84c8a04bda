package bytebase

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Sentinels matched by APIError.Is.
var (
	ErrAlreadyApproved  = errors.New("bytebase: issue already approved")
	ErrAlreadyRejected  = errors.New("bytebase: issue already rejected")
	ErrNotFound         = errors.New("bytebase: not found")
	ErrUnauthorized     = errors.New("bytebase: unauthorized")
	ErrPermissionDenied = errors.New("bytebase: permission denied")
	ErrStale            = errors.New("bytebase: approval state not ready or stale")
)

// gRPC status codes Bytebase puts in error bodies.
const (
	codeInvalidArgument    = 3
	codeNotFound           = 5
	codePermissionDenied   = 7
	codeFailedPrecondition = 9
	codeUnauthenticated    = 16
)

// APIError is a non-2xx answer from Bytebase.
type APIError struct {
	HTTPStatus int
	Code       int    // gRPC code from the body; 0 if the body was not Bytebase's JSON
	Message    string // message from the body
	Method     string
	Path       string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bytebase: %s %s: HTTP %d", e.Method, e.Path, e.HTTPStatus)
	if e.Code != 0 {
		fmt.Fprintf(&b, " code %d", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Is maps status and code to the package sentinels. "Already approved" and
// "already rejected" share HTTP 400 and code 3 with other invalid requests, so
// only they consult the message.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrAlreadyApproved:
		return e.HTTPStatus == http.StatusBadRequest && e.Code == codeInvalidArgument &&
			strings.Contains(strings.ToLower(e.Message), "has been approved")
	case ErrAlreadyRejected:
		return e.HTTPStatus == http.StatusBadRequest && e.Code == codeInvalidArgument &&
			strings.Contains(strings.ToLower(e.Message), "has been rejected")
	case ErrNotFound:
		return e.HTTPStatus == http.StatusNotFound || e.Code == codeNotFound
	case ErrUnauthorized:
		return e.HTTPStatus == http.StatusUnauthorized || e.Code == codeUnauthenticated
	case ErrPermissionDenied:
		return e.HTTPStatus == http.StatusForbidden || e.Code == codePermissionDenied
	case ErrStale:
		return e.Code == codeFailedPrecondition
	}
	return false
}

// transportError marks a failure to exchange a request with Bytebase at all
// (connection refused, reset, timeout, truncated body).
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// IsRetryable reports whether trying the same call again later may succeed:
// server errors, rate limiting, network failures and approval state that is
// still being computed (code 9).
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if apiErr, ok := errors.AsType[*APIError](err); ok {
		return apiErr.HTTPStatus >= 500 || apiErr.HTTPStatus == http.StatusTooManyRequests ||
			apiErr.Code == codeFailedPrecondition
	}
	if _, ok := errors.AsType[*transportError](err); ok {
		return true
	}
	_, ok := errors.AsType[net.Error](err)
	return ok
}
