package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

type leaseTest struct {
	t              *testing.T
	env            *testsuite.TestWorkflowEnvironment
	sent, answered int // updates sent, and answered (accepted or rejected)
}

func newLeaseTest(t *testing.T) *leaseTest {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(SlackLeaseWorkflow, workflow.RegisterOptions{Name: SlackLeaseWorkflowName})
	return &leaseTest{t: t, env: env}
}

// at sends update name with arg at d into the run; check sees its outcome.
func (l *leaseTest) at(d time.Duration, name string, arg any, check func(Lease, error)) {
	l.sent++
	check0 := check
	check = func(lease Lease, err error) { l.answered++; check0(lease, err) }
	l.env.RegisterDelayedCallback(func() {
		l.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { check(Lease{}, err) },
			OnAccept: func() {},
			OnComplete: func(res any, err error) {
				var lease Lease
				if v, ok := res.(Lease); ok {
					lease = v
				}
				check(lease, err)
			},
		}, arg)
	}, d)
}

func (l *leaseTest) acquire(d time.Duration, holder string, ttl time.Duration, granted bool) {
	l.at(d, UpdateAcquireLease, LeaseRequest{Holder: holder, TTL: ttl}, func(got Lease, err error) {
		require.NoError(l.t, err)
		require.Equalf(l.t, granted, got.Granted, "at %s, %s asked for the lease: %+v", d, holder, got)
		if granted {
			require.Equal(l.t, holder, got.Holder)
		}
	})
}

func (l *leaseTest) run() {
	l.env.RegisterDelayedCallback(l.env.CancelWorkflow, time.Hour)
	l.env.ExecuteWorkflow(SlackLeaseWorkflow, LeaseState{})
	require.Equal(l.t, l.sent, l.answered, "updates left unanswered")
}

func TestLeaseGoesToOneHolderAtATime(t *testing.T) {
	l := newLeaseTest(t)
	l.acquire(time.Second, "w1", 15*time.Second, true)
	l.acquire(2*time.Second, "w2", 15*time.Second, false) // w1 holds it
	l.acquire(6*time.Second, "w1", 15*time.Second, true)  // renewed until 21 s
	l.acquire(18*time.Second, "w2", 15*time.Second, false)
	l.acquire(22*time.Second, "w2", 15*time.Second, true) // w1 stopped renewing
	l.acquire(23*time.Second, "w1", 15*time.Second, false)
	l.run()
}

func TestReleasedLeaseIsFreeAfterAGap(t *testing.T) {
	l := newLeaseTest(t)
	l.acquire(time.Second, "w1", time.Minute, true)
	l.at(2*time.Second, UpdateReleaseLease, "w2", func(_ Lease, err error) { require.NoError(t, err) }) // not w2's to give up
	l.acquire(3*time.Second, "w2", time.Minute, false)
	l.at(4*time.Second, UpdateReleaseLease, "w1", func(_ Lease, err error) { require.NoError(t, err) })
	l.acquire(4*time.Second+releaseGap/2, "w2", time.Minute, false)
	l.acquire(4*time.Second+releaseGap, "w2", time.Minute, true)
	l.run()
}

func TestLeaseRequestsAreValidated(t *testing.T) {
	l := newLeaseTest(t)
	for i, req := range []LeaseRequest{{TTL: time.Second}, {Holder: "w1"}, {Holder: "w1", TTL: time.Hour}} {
		l.at(time.Duration(i+1)*time.Second, UpdateAcquireLease, req, func(_ Lease, err error) {
			require.Errorf(t, err, "%+v was accepted", req)
		})
	}
	l.acquire(10*time.Second, "w1", time.Minute, true) // the bad ones left it free
	l.run()
}

func TestLeaseContinuesAsNewWithItsHolder(t *testing.T) {
	l := newLeaseTest(t)
	for i := range leaseUpdatesPerRun {
		l.acquire(time.Duration(i+1)*time.Second, "w1", time.Minute, true)
	}
	l.env.ExecuteWorkflow(SlackLeaseWorkflow, LeaseState{})
	require.Equal(t, l.sent, l.answered, "updates left unanswered")
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, l.env.GetWorkflowError(), &can)
	var carried LeaseState
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &carried))
	require.Equal(t, "w1", carried.Holder)
	require.True(t, carried.Until.After(l.env.Now()), "carried lease %v ended before %v", carried.Until, l.env.Now())
}
