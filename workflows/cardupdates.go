package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/slackui"
)

// cardUpdates coalesces edits of the card. The request never waits for
// Slack to change its state: each transition only records the newest card,
// and one workflow goroutine sends whatever is newest when the previous edit
// is done. A burst of transitions (or a 429 from chat.update) therefore ends
// with the latest state on the card, never an older one, in as few edits as
// Slack's pace allows.
type cardUpdates struct {
	latest    slackui.Card
	want      int // version of latest
	done      int // version last sent (successfully or not)
	running   bool
	lastError string
}

// set records the newest card and makes sure the sender runs.
func (r *request) queueCardUpdate(ctx workflow.Context) {
	if r.posted == nil {
		return
	}
	u := &r.updates
	u.latest, u.want = r.card, u.want+1
	if u.running {
		return
	}
	u.running = true
	ref := *r.posted
	workflow.Go(ctx, func(ctx workflow.Context) {
		for u.done < u.want {
			v, card := u.want, u.latest
			in := activities.UpdateCardInput{Ref: ref, Card: card}
			if err := workflow.ExecuteActivity(slackUpdateCtx(ctx, "Update the card: "+cardLabel(card)), a.UpdateCard, in).Get(ctx, nil); err != nil {
				u.lastError = err.Error()
				r.logger.Error("Updating the card failed", "error", err)
			}
			u.done = v
		}
		u.running = false
	})
}
