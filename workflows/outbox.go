package workflows

import "go.temporal.io/sdk/workflow"

// outbox sends one kind of Slack message (thread replies, DMs, answers to
// clickers) in order, without holding up the request: it hands a message
// over and goes on, so a paced Slack queue (one post per second per
// channel) or a Slack outage never delays a decision. Messages of one kind
// keep their order: the thread reads as the request's story.
//
// Since version 3 of changeFastPath nothing waits for Slack in a goroutine
// of its own: the call in flight is a future that the request's waits
// (its main loop, awaitBytebase, await, flushOutgoing) select on, and each
// completion starts the next call. A burst of 10,000 requests whose DMs
// queue for hours behind Slack's pace then holds 10,000 futures, not
// 10,000 parked goroutines with their stacks.
type outbox struct {
	queue   []message
	running bool            // versions 1–2: a goroutine is sending queue
	head    workflow.Future // version 3: the call in flight for queue[0]
	stage   int             // which of queue[0]'s stages head is
}

// A message is sent in stages. Each stage starts one call and returns its
// future; the next stage gets that future once it is ready. Most messages
// are one stage, the post itself; a reminder or the "card posted" DM first
// looks up who can approve the step.
type message struct {
	stages []stage
	failed func(error) // reports the last stage's failure (logged: best effort)
}

type stage func(ctx workflow.Context, prev workflow.Future) workflow.Future

// oneCall is a message sent by a single call.
func oneCall(start func(workflow.Context) workflow.Future, failed func(error)) message {
	return message{
		stages: []stage{func(ctx workflow.Context, _ workflow.Future) workflow.Future { return start(ctx) }},
		failed: failed,
	}
}

// sendNow sends m, waiting for each of its stages.
func (m message) sendNow(ctx workflow.Context) {
	var f workflow.Future
	for _, s := range m.stages {
		f = s(ctx, f)
	}
	if err := f.Get(ctx, nil); err != nil {
		m.failed(err)
	}
}

// send sends m after everything sent through o before it.
func (r *request) send(ctx workflow.Context, o *outbox, m message) {
	switch {
	case !r.fast: // requests recorded before the fast path send inline
		m.sendNow(ctx)
	case r.driven:
		o.queue = append(o.queue, m)
		if o.head == nil {
			o.begin(ctx)
		}
	default:
		o.queue = append(o.queue, m)
		if o.running {
			return
		}
		o.running = true
		workflow.Go(ctx, func(ctx workflow.Context) {
			for len(o.queue) > 0 {
				next := o.queue[0]
				o.queue = o.queue[1:]
				next.sendNow(ctx)
			}
			o.running = false
		})
	}
}

// begin starts the first stage of the message at the head of the queue.
func (o *outbox) begin(ctx workflow.Context) {
	o.stage = 0
	o.head = o.queue[0].stages[0](ctx, nil)
}

// advance goes on once head is ready: to the message's next stage, or to
// the next message.
func (o *outbox) advance(ctx workflow.Context) {
	m := o.queue[0]
	if o.stage+1 < len(m.stages) {
		o.stage++
		o.head = m.stages[o.stage](ctx, o.head)
		return
	}
	if err := o.head.Get(ctx, nil); err != nil {
		m.failed(err)
	}
	o.queue[0] = message{} // let the sent message's closures go
	o.queue, o.head = o.queue[1:], nil
	if len(o.queue) > 0 {
		o.begin(ctx)
	}
}

func (o *outbox) addTo(ctx workflow.Context, sel workflow.Selector) {
	if o.head != nil {
		sel.AddFuture(o.head, func(workflow.Future) { o.advance(ctx) })
	}
}

// addOutgoing lets sel also wake when a card edit or a message in flight
// is done, so the next one starts (version 3; before it, goroutines send
// them and this adds nothing).
func (r *request) addOutgoing(ctx workflow.Context, sel workflow.Selector) {
	r.updates.addTo(ctx, sel, r)
	r.thread.addTo(ctx, sel)
	r.dms.addTo(ctx, sel)
	r.answers.addTo(ctx, sel)
}

// sending reports whether a card edit or a message is still to be sent.
func (r *request) sending() bool {
	if r.driven {
		return r.updates.head != nil || r.thread.head != nil || r.dms.head != nil || r.answers.head != nil
	}
	return r.updates.done != r.updates.want || r.thread.running || r.dms.running || r.answers.running
}

// await waits for f and decodes its result into out, sending card edits and
// messages meanwhile.
func (r *request) await(ctx workflow.Context, f workflow.Future, out any) error {
	for r.driven && !f.IsReady() {
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(f, func(workflow.Future) {})
		r.addOutgoing(ctx, sel)
		sel.Select(ctx)
	}
	return f.Get(ctx, out)
}

// flushOutgoing waits until the newest card and every queued message have
// been sent, so a request never ends (or continues as new) with something
// unsent.
func (r *request) flushOutgoing(ctx workflow.Context) {
	if !r.driven {
		_ = workflow.Await(ctx, func() bool { return !r.sending() })
		return
	}
	for r.sending() {
		sel := workflow.NewSelector(ctx)
		r.addOutgoing(ctx, sel)
		sel.Select(ctx)
	}
}
