package workflows

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
)

// pollerEnv runs PollerWorkflow with PollPending answered by answer(n) for
// the nth call (from 0), recording when each call was made and with what.
type pollerEnv struct {
	env   *testsuite.TestWorkflowEnvironment
	start time.Time
	at    []time.Duration // since start
	in    []activities.PollInput
}

func newPollerEnv(t *testing.T, answer func(n int) error) *pollerEnv {
	t.Helper()
	var ts testsuite.WorkflowTestSuite
	p := &pollerEnv{env: ts.NewTestWorkflowEnvironment()}
	p.start = p.env.Now()
	p.env.RegisterWorkflowWithOptions(PollerWorkflow, workflow.RegisterOptions{Name: PollerWorkflowName})
	p.env.RegisterActivity(a)
	p.env.OnActivity(a.PollPending, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PollInput) (activities.PollResult, error) {
		n := len(p.at)
		p.at = append(p.at, p.env.Now().Sub(p.start))
		p.in = append(p.in, in)
		if err := answer(n); err != nil {
			return activities.PollResult{}, err
		}
		return activities.PollResult{Pages: 1}, nil
	})
	return p
}

func (p *pollerEnv) signalAt(d time.Duration, s PollerSettings) {
	p.env.RegisterDelayedCallback(func() { p.env.SignalWorkflow(SignalPollerSettings, s) }, d)
}

func (p *pollerEnv) run(t *testing.T, s PollerSettings) error {
	t.Helper()
	p.env.ExecuteWorkflow(PollerWorkflow, PollerInput{Settings: s})
	if !p.env.IsWorkflowCompleted() {
		t.Fatal("poller did not finish")
	}
	return p.env.GetWorkflowError()
}

func succeed(int) error { return nil }

func TestPollerPollsOnItsIntervalThenContinuesAsNew(t *testing.T) {
	p := newPollerEnv(t, succeed)
	s := PollerSettings{Interval: 30 * time.Second, IssueTypes: []string{"ROLE_GRANT"}, Projects: []string{"p"}}
	err := p.run(t, s)

	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("poller ended with %v, want continue-as-new", err)
	}
	if len(p.at) != pollsPerRun {
		t.Fatalf("%d polls in one run, want %d", len(p.at), pollsPerRun)
	}
	for i, at := range p.at {
		if want := time.Duration(i) * s.Interval; at != want {
			t.Fatalf("poll %d at %s, want %s", i, at, want)
		}
	}
	if p.in[0].Projects[0] != "p" || p.in[0].IssueTypes[0] != "ROLE_GRANT" {
		t.Errorf("poll input %+v, want the settings", p.in[0])
	}
	var next PollerInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.Settings.Interval != s.Interval || !slices.Equal(next.Settings.Projects, s.Projects) || next.Failures != 0 {
		t.Errorf("next run gets %+v, want the same settings", next)
	}
}

func TestPollerAdoptsNewSettingsAtOnceAndStopsOnZero(t *testing.T) {
	p := newPollerEnv(t, succeed)
	p.signalAt(10*time.Minute, PollerSettings{Interval: time.Minute, IssueTypes: []string{"ACCESS_GRANT"}, Projects: []string{"q"}})
	p.signalAt(12*time.Minute+30*time.Second, PollerSettings{})
	if err := p.run(t, PollerSettings{Interval: time.Hour, IssueTypes: []string{"ROLE_GRANT"}}); err != nil {
		t.Fatalf("poller ended with %v, want a clean stop", err)
	}
	want := []time.Duration{0, 10 * time.Minute, 11 * time.Minute, 12 * time.Minute}
	if !slices.Equal(p.at, want) {
		t.Errorf("polls at %v, want %v", p.at, want)
	}
	if got := p.in[1]; !slices.Equal(got.Projects, []string{"q"}) || !slices.Equal(got.IssueTypes, []string{"ACCESS_GRANT"}) {
		t.Errorf("poll after the signal used %+v", got)
	}
}

func TestPollerRetriesAFailingPollWithBackoff(t *testing.T) {
	p := newPollerEnv(t, func(n int) error {
		if n < 4 {
			return errors.New("bytebase: HTTP 500")
		}
		return nil
	})
	p.signalAt(40*time.Second, PollerSettings{})
	if err := p.run(t, PollerSettings{Interval: 30 * time.Second, IssueTypes: []string{"ROLE_GRANT"}}); err != nil {
		t.Fatal(err)
	}
	// Attempts 1 s, 2 s, 4 s, 8 s apart; then the interval again.
	want := []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second, 15 * time.Second}
	if !slices.Equal(p.at, want) {
		t.Errorf("attempts at %v, want %v", p.at, want)
	}
}

func TestPollerOutlivesErrorsRetryingCannotFix(t *testing.T) {
	p := newPollerEnv(t, func(n int) error {
		if n < 2 {
			return temporal.NewNonRetryableApplicationError("permission denied", "BytebaseError", nil)
		}
		return nil
	})
	p.signalAt(200*time.Second, PollerSettings{})
	if err := p.run(t, PollerSettings{Interval: 30 * time.Second, IssueTypes: []string{"ROLE_GRANT"}}); err != nil {
		t.Fatal(err)
	}
	// Waits double after each failure, and the interval returns after a success.
	want := []time.Duration{0, 60 * time.Second, 180 * time.Second}
	if !slices.Equal(p.at, want) {
		t.Errorf("polls at %v, want %v", p.at, want)
	}
}

func TestPollBackoff(t *testing.T) {
	for _, c := range []struct {
		interval time.Duration
		failures int
		want     time.Duration
	}{
		{30 * time.Second, 0, 30 * time.Second},
		{30 * time.Second, 1, time.Minute},
		{30 * time.Second, 3, 4 * time.Minute},
		{30 * time.Second, 50, maxPollBackoff},
		{time.Hour, 5, time.Hour},
	} {
		if got := pollBackoff(c.interval, c.failures); got != c.want {
			t.Errorf("pollBackoff(%s, %d) = %s, want %s", c.interval, c.failures, got, c.want)
		}
	}
}
