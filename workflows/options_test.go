package workflows

import (
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// A post waits in its paced Slack queue for as long as the burst ahead of
// it needs (1,000 cards into one channel: ~17 minutes), so no Slack
// activity may carry a schedule-to-close deadline that counts that wait;
// Bytebase calls, on the unpaced queue, are bounded by time.
func TestSlackPostsHaveNoDeadlineThatCountsTheirQueue(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	type got struct{ Post, Update, DM, Bytebase workflow.ActivityOptions }
	env.ExecuteWorkflow(func(ctx workflow.Context) (got, error) {
		return got{
			Post:     workflow.GetActivityOptions(slackPostCtx(ctx, "C1", "post")),
			Update:   workflow.GetActivityOptions(slackUpdateCtx(ctx, "update")),
			DM:       workflow.GetActivityOptions(slackDMCtx(ctx, "dm")),
			Bytebase: workflow.GetActivityOptions(bytebaseCtx(ctx, "decide")),
		}, nil
	})
	var g got
	if err := env.GetWorkflowResult(&g); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]workflow.ActivityOptions{"post": g.Post, "update": g.Update, "dm": g.DM} {
		if o.ScheduleToCloseTimeout != 0 || o.ScheduleToStartTimeout != 0 {
			t.Errorf("%s: schedule-to-close %s, schedule-to-start %s; want none", name, o.ScheduleToCloseTimeout, o.ScheduleToStartTimeout)
		}
		if o.RetryPolicy == nil || o.RetryPolicy.MaximumAttempts != slackAttempts {
			t.Errorf("%s: retry %+v, want %d attempts", name, o.RetryPolicy, slackAttempts)
		}
	}
	if g.Bytebase.ScheduleToCloseTimeout != bytebaseBudget || g.Bytebase.StartToCloseTimeout != bytebaseCallTimeout {
		t.Errorf("bytebase: %+v", g.Bytebase)
	}
	if g.Bytebase.RetryPolicy.MaximumInterval != 30*time.Second {
		t.Errorf("bytebase retry: %+v", g.Bytebase.RetryPolicy)
	}
}
