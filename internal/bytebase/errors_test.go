package bytebase

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"
)

func TestAPIErrorIs(t *testing.T) {
	tests := []struct {
		err  *APIError
		is   []error
		isnt []error
	}{
		{&APIError{HTTPStatus: 400, Code: 3, Message: "the issue has been approved"},
			[]error{ErrAlreadyApproved}, []error{ErrAlreadyRejected, ErrStale, ErrNotFound}},
		{&APIError{HTTPStatus: 400, Code: 3, Message: "cannot approve because the issue has been rejected"},
			[]error{ErrAlreadyRejected}, []error{ErrAlreadyApproved}},
		{&APIError{HTTPStatus: 400, Code: 3, Message: "cannot reject because the issue has been rejected"},
			[]error{ErrAlreadyRejected}, []error{ErrAlreadyApproved}},
		{&APIError{HTTPStatus: 400, Code: 3, Message: `invalid issue ID "foo-123"`},
			nil, []error{ErrAlreadyApproved, ErrAlreadyRejected, ErrNotFound}},
		{&APIError{HTTPStatus: 404, Code: 5, Message: "issue 999 not found in project project-sample"},
			[]error{ErrNotFound}, []error{ErrPermissionDenied}},
		{&APIError{HTTPStatus: 404, Message: "Not Found"}, []error{ErrNotFound}, nil},
		{&APIError{HTTPStatus: 401, Code: 16, Message: "access token expired"}, []error{ErrUnauthorized}, nil},
		{&APIError{HTTPStatus: 403, Code: 7, Message: "cannot approve because the user does not have the required permission"},
			[]error{ErrPermissionDenied}, []error{ErrUnauthorized}},
		{&APIError{HTTPStatus: 400, Code: 9, Message: "approval template finding is not done"}, []error{ErrStale}, []error{ErrAlreadyApproved}},
		{&APIError{HTTPStatus: 500, Code: 13, Message: "the issue has been approved"}, nil, []error{ErrAlreadyApproved}},
	}
	for _, tt := range tests {
		wrapped := fmt.Errorf("approve p#1: %w", tt.err)
		for _, target := range tt.is {
			if !errors.Is(wrapped, target) {
				t.Errorf("%v: not Is(%v)", tt.err, target)
			}
		}
		for _, target := range tt.isnt {
			if errors.Is(wrapped, target) {
				t.Errorf("%v: unexpectedly Is(%v)", tt.err, target)
			}
		}
	}
}

func TestAPIErrorMessage(t *testing.T) {
	e := &APIError{HTTPStatus: 400, Code: 3, Message: "the issue has been approved", Method: "POST", Path: "/v1/projects/p/issues/1:approve"}
	want := "bytebase: POST /v1/projects/p/issues/1:approve: HTTP 400 code 3: the issue has been approved"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	e = newAPIError(502, []byte("<html>bad gateway</html>"), "GET", "/v1/x")
	if e.HTTPStatus != 502 || e.Code != 0 || e.Message != "Bad Gateway" {
		t.Errorf("non-JSON body: %+v", e)
	}
}

func TestIsRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{&APIError{HTTPStatus: 500, Code: 13}, true},
		{&APIError{HTTPStatus: 503}, true},
		{&APIError{HTTPStatus: 429, Code: 8}, true},
		{fmt.Errorf("approve: %w", &APIError{HTTPStatus: 400, Code: 9}), true},
		{&APIError{HTTPStatus: 400, Code: 3}, false},
		{&APIError{HTTPStatus: 401, Code: 16}, false},
		{&APIError{HTTPStatus: 403, Code: 7}, false},
		{&APIError{HTTPStatus: 404, Code: 5}, false},
		{&transportError{io.ErrUnexpectedEOF}, true},
		{fmt.Errorf("get: %w", &transportError{context.Canceled}), false},
		{errors.New("decode response: invalid character"), false},
	}
	for _, tt := range tests {
		if got := IsRetryable(tt.err); got != tt.want {
			t.Errorf("IsRetryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestTokenExpiry(t *testing.T) {
	enc := base64.RawURLEncoding
	jwt := func(payload string) string {
		return enc.EncodeToString([]byte(`{"alg":"HS256"}`)) + "." + enc.EncodeToString([]byte(payload)) + ".sig"
	}
	if got := tokenExpiry(jwt(`{"exp":1787380212,"sub":"x"}`)); !got.Equal(time.Unix(1787380212, 0)) {
		t.Errorf("tokenExpiry = %v", got)
	}
	for _, tok := range []string{"opaque", jwt(`{"sub":"x"}`), jwt(`{"exp":"soon"}`), jwt(`not json`), "a.!!!.c", jwt(`{"exp":-5}`)} {
		if got := tokenExpiry(tok); !got.IsZero() {
			t.Errorf("tokenExpiry(%q) = %v, want zero", tok, got)
		}
	}
}

func TestRenewTime(t *testing.T) {
	now := time.Date(2026, 8, 22, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		expires time.Time
		want    time.Time
	}{
		{now.Add(time.Hour), now.Add(55 * time.Minute)},
		{time.Time{}, now.Add(55 * time.Minute)},           // not a JWT: assume 1h
		{now.Add(-time.Minute), now.Add(55 * time.Minute)}, // skewed clock: assume 1h, 401 catches the rest
		{now.Add(4 * time.Minute), now.Add(2 * time.Minute)},
	}
	for _, tt := range tests {
		if got := renewTime(now, tt.expires); !got.Equal(tt.want) {
			t.Errorf("renewTime(%v) = %v, want %v", tt.expires, got, tt.want)
		}
	}
}

func TestNewTrimsBaseURL(t *testing.T) {
	c := New("https://bb.example.com/", "a", "k")
	if c.BaseURL() != "https://bb.example.com" {
		t.Errorf("BaseURL = %q", c.BaseURL())
	}
}
