package workflows

import "go.temporal.io/sdk/workflow"

// outbox sends one kind of Slack message (thread replies, DMs, answers to
// clickers) in order, from a workflow goroutine of its own: the request
// hands a message over and goes on, so a paced Slack queue (one post per
// second per channel) or a Slack outage never delays a decision. Messages
// of one kind keep their order: the thread reads as the request's story.
type outbox struct {
	queue   []func(workflow.Context)
	running bool
}

// send runs f after everything sent through o before it. Requests recorded
// before the fast path ran their messages inline, and still do.
func (r *request) send(ctx workflow.Context, o *outbox, f func(workflow.Context)) {
	if !r.fast {
		f(ctx)
		return
	}
	o.queue = append(o.queue, f)
	if o.running {
		return
	}
	o.running = true
	workflow.Go(ctx, func(ctx workflow.Context) {
		for len(o.queue) > 0 {
			next := o.queue[0]
			o.queue = o.queue[1:]
			next(ctx)
		}
		o.running = false
	})
}

// flushOutgoing waits until the newest card and every queued message have
// been sent, so a request never ends (or continues as new) with something
// unsent.
func (r *request) flushOutgoing(ctx workflow.Context) {
	_ = workflow.Await(ctx, func() bool {
		return r.updates.done == r.updates.want && !r.thread.running && !r.dms.running && !r.answers.running
	})
}
