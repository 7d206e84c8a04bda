package slackfake

import (
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

const token = "xoxb-test"

var (
	alice = User{ID: "U0ALICE", Name: "alice", RealName: "Alice A", Email: "alice@example.com"}
	dana  = User{ID: "U0DANA", Name: "dana", RealName: "Dana DBA", Email: "Dana@Example.com"}
)

// newFake starts a fake with two users and a client pointed at it.
func newFake(t *testing.T) (*Server, *slack.Client) {
	t.Helper()
	// A stopped clock: timestamps then count up by a microsecond.
	f := New(Options{BotToken: token, Clock: func() time.Time { return time.Unix(1700000000, 100_000) }})
	t.Cleanup(f.Close)
	f.AddUser(alice)
	f.AddUser(dana)
	return f, slack.New(token, slack.OptionAPIURL(f.URL()))
}

// wantSlackError fails unless err is Slack's ok:false answer with code.
func wantSlackError(t *testing.T, err error, code string) slack.SlackErrorResponse {
	t.Helper()
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != code {
		t.Fatalf("err = %v (%T), want Slack error %q", err, err, code)
	}
	return se
}
