package workflows

import "go.temporal.io/sdk/workflow"

// Changes to the approval workflow since its first release. Each is guarded
// by workflow.GetVersion, so a request that was waiting when jitflow was
// upgraded replays exactly as it was recorded and goes on the old way;
// replay_test.go replays histories recorded from the earlier code.
const (
	// changeFastPath, version 1:
	//   - reads (the issue, the policy, people in Slack, permissions in
	//     Bytebase) run as local activities: no trip through a task queue,
	//     one marker event each;
	//   - the issue as the gateway read it (ApprovalInput.Snapshot) is used
	//     instead of reading it a second time;
	//   - thread replies, DMs, escalation posts and answers to clickers go
	//     out in order from goroutines of their own (see outbox), so a paced
	//     Slack queue or a Slack outage never holds up a decision;
	//   - a Bytebase call that keeps failing for a pending card shows on the
	//     card while it is retried (see awaitBytebase).
	changeFastPath = "fast-path"
)

// fastPath reports whether this run uses changeFastPath. Called once, first
// thing, so old histories (which have no marker) replay as recorded.
func fastPath(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, changeFastPath, workflow.DefaultVersion, 1) >= 1
}
