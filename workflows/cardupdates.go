package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/slackui"
)

// cardUpdates coalesces edits of the card. The request never waits for
// Slack to change its state: each transition only records the newest card,
// and whatever is newest is sent when the previous edit is done. A burst of
// transitions (or a 429 from chat.update) therefore ends with the latest
// state on the card, never an older one, in as few edits as Slack's pace
// allows. Versions 1–2 of changeFastPath send from a goroutine; version 3
// keeps the edit in flight as a future the request's waits select on (see
// outbox).
type cardUpdates struct {
	latest    slackui.Card
	want      int // version of latest
	done      int // version last sent (successfully or not)
	running   bool
	lastError string

	head    workflow.Future // version 3: the edit in flight
	sending int             // and the version it sends
}

// queueCardUpdate records the newest card and makes sure it gets sent.
func (r *request) queueCardUpdate(ctx workflow.Context) {
	if r.posted == nil {
		return
	}
	u := &r.updates
	u.latest, u.want = r.card, u.want+1
	if r.driven {
		if u.head == nil {
			u.begin(ctx, r)
		}
		return
	}
	if u.running {
		return
	}
	u.running = true
	workflow.Go(ctx, func(ctx workflow.Context) {
		for u.done < u.want {
			u.begin(ctx, r)
			u.end(r, u.head.Get(ctx, nil))
		}
		u.running = false
	})
}

// begin starts sending the newest card.
func (u *cardUpdates) begin(ctx workflow.Context, r *request) {
	in := activities.UpdateCardInput{Ref: *r.posted, Card: u.latest}
	u.sending = u.want
	u.head = workflow.ExecuteActivity(slackUpdateCtx(ctx, "Update the card: "+cardLabel(u.latest)), a.UpdateCard, in)
}

// end records how the edit in flight went.
func (u *cardUpdates) end(r *request, err error) {
	if err != nil {
		u.lastError = err.Error()
		r.logger.Error("Updating the card failed", "error", err)
	}
	u.done, u.head = u.sending, nil
}

func (u *cardUpdates) addTo(ctx workflow.Context, sel workflow.Selector, r *request) {
	if u.head == nil || !r.driven {
		return
	}
	sel.AddFuture(u.head, func(f workflow.Future) {
		u.end(r, f.Get(ctx, nil))
		if u.done < u.want {
			u.begin(ctx, r)
		}
	})
}
