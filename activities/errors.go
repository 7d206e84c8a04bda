package activities

import (
	"errors"
	"strings"

	"github.com/slack-go/slack"
	"go.temporal.io/sdk/temporal"

	"github.com/jitflow/jitflow/internal/bytebase"
)

// bytebaseFailure marks errors that retrying cannot fix (bad request,
// permission, not found) as non-retryable, so the workflow shows the failure
// now instead of after the whole retry budget.
func bytebaseFailure(err error) error {
	if bytebase.IsRetryable(err) {
		return err
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), "BytebaseError", err)
}

// slackFailure honours Retry-After on 429 (the next attempt waits exactly that
// long) and makes configuration errors (bad token, unknown channel, bot not in
// channel, invalid blocks) non-retryable.
func slackFailure(err error) error {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return temporal.NewApplicationErrorWithOptions(err.Error(), "SlackRateLimited", temporal.ApplicationErrorOptions{
			NextRetryDelay: rl.RetryAfter,
			Cause:          err,
		})
	}
	var api slack.SlackErrorResponse
	if errors.As(err, &api) {
		switch api.Err {
		case "ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout":
			return err
		}
		return temporal.NewNonRetryableApplicationError(err.Error(), "SlackError", err)
	}
	return err
}

func equalFoldEmail(a, b string) bool {
	return a != "" && strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}
