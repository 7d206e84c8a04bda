// Package queues names the Temporal task queues jitflow uses. It does no I/O so
// both the worker (which polls the queues) and the workflows (which route
// activities to them) can import it.
package queues

// SlackQueue is the task queue for Slack calls that post to channel
// (PostCard, PostThreadReply, Escalate). One queue per channel lets the server
// enforce the channel's rate limit across every worker.
func SlackQueue(base, channel string) string { return base + "-slack-" + channel }

// DMQueue is the task queue for Slack direct messages.
func DMQueue(base string) string { return base + "-slack-dm" }

// UpdateQueue is the task queue for chat.update calls (card edits).
func UpdateQueue(base string) string { return base + "-slack-update" }

// LeaseQueue is the task queue of the Slack lease's workflow. It is its own
// so that renewing the lease never waits behind a burst of approval
// workflow tasks on the main queue: a burst is when the lease matters most.
func LeaseQueue(base string) string { return base + "-lease" }
