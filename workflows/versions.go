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
	// version 2:
	//   - the card is posted from the run's first workflow task by a local
	//     activity (PostCardNow) when this worker holds the Slack lease and
	//     the channel has a turn free; otherwise, or if that fails, through
	//     the channel's queue by PostCardOnce (see postCard).
	// version 3:
	//   - no goroutine waits for Slack: the card edit and the message in
	//     flight are futures that the request's waits select on, each
	//     completion starting the next (see outbox). A pending request whose
	//     DM waits behind Slack's pace costs a future, not a parked
	//     goroutine and its stack;
	//   - the waits for reads done while pending (the issue, the clicker)
	//     and for canceling an expired issue keep the messages going.
	changeFastPath = "fast-path"
)

// fastPathVersion is this run's version of changeFastPath. Called once,
// first thing, so old histories (which have no marker) replay as recorded.
func fastPathVersion(ctx workflow.Context) workflow.Version {
	return workflow.GetVersion(ctx, changeFastPath, workflow.DefaultVersion, 3)
}
