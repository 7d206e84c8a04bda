package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// troubleAfter is how long a Bytebase call made for a pending card may go
// unanswered (being retried) before the card says so.
const troubleAfter = 10 * time.Second

// troubleRereading is shown while the periodic re-read of the issue fails.
const troubleRereading = "jitflow cannot read this issue from Bytebase, so decisions made in Bytebase may not show here yet"

// awaitBytebase waits for f, a Bytebase call made for the pending card. If
// it is still being retried after troubleAfter, the card says so until the
// call returns, so an outage is visible where the approvers look, not only
// in logs. Card edits and messages go on meanwhile (see await). Before the
// fast path it just waits.
func (r *request) awaitBytebase(ctx workflow.Context, f workflow.Future, doing string, out any) error {
	if !r.fast || r.posted == nil {
		return f.Get(ctx, out)
	}
	timerCtx, cancel := workflow.WithCancel(ctx)
	slow := workflow.NewTimerWithOptions(timerCtx, troubleAfter, workflow.TimerOptions{Summary: "Show on the card if Bytebase keeps failing"})
	what := "Bytebase has not answered yet: " + doing
	shown := false
	// Versions 1–2 select once, then wait in f.Get below.
	for !f.IsReady() && (!shown || r.driven) {
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(f, func(workflow.Future) {})
		if !shown {
			sel.AddFuture(slow, func(workflow.Future) {
				shown = true
				r.showTrouble(ctx, what)
			})
		}
		r.addOutgoing(ctx, sel)
		sel.Select(ctx)
	}
	cancel() // answered (or failed for good): the warning timer is not needed
	err := f.Get(ctx, out)
	if shown {
		r.clearTrouble(ctx, what)
	}
	return err
}

// showTrouble puts what is failing on the card (fast path only).
func (r *request) showTrouble(ctx workflow.Context, what string) {
	if !r.fast || r.card.Trouble == what {
		return
	}
	r.card.Trouble, r.card.TroubleSince = what, workflow.Now(ctx)
	r.updateCard(ctx)
}

// clearTrouble takes what off the card once it works again.
func (r *request) clearTrouble(ctx workflow.Context, what string) {
	if r.card.Trouble != what {
		return
	}
	r.card.Trouble, r.card.TroubleSince = "", time.Time{}
	r.updateCard(ctx)
}
