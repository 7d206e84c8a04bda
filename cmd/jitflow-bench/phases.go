package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/jitflow/jitflow/internal/cardpath"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/workflows"
)

// phases splits webhook → card into where the time went, from each
// request's workflow history (the server's event times) and the harness's
// own clock (same machine, same clock):
//
//	toStarted   webhook sent → WorkflowExecutionStarted (gateway: read the
//	            issue, start RPC)
//
// A card posted by the fast path (PostCardNow, a local activity in the first
// workflow task) then has one phase:
//
//	inTask      started → chat.postMessage answered at the fake (the first
//	            task's dispatch, the workflow code and its local activities)
//
// A card that waited in its channel's queue (PostCardOnce, or PostCard
// before the fast path) has three:
//
//	toTaskDone  started → first workflow task completed; its commands
//	            schedule the post
//	dispatch    post scheduled → started (matching: the governed Slack
//	            queue's dispatch to a poller)
//	toPosted    post started → chat.postMessage answered at the fake
type phases struct {
	toStarted, inTask, toTaskDone, dispatch, toPosted latencies
	sampled, fast                                     int
}

// phaseSample bounds how many histories are read (they are fetched after
// the measurement, so reading them costs the figures nothing).
const phaseSample = 50

// measurePhases reads up to phaseSample histories of the sent issues.
func (e *env) measurePhases(ctx context.Context, sent map[int64]time.Time, logger *slog.Logger) (phases, error) {
	var p phases
	if e.temporal == "" {
		return p, nil
	}
	c, err := e.temporalClient(ctx, logger)
	if err != nil {
		return p, err
	}
	defer c.Close()
	var started, inTask, taskDone, dispatch, posted []time.Duration
	for n, at := range sent {
		if p.sampled == phaseSample {
			break
		}
		postedAt, ok := e.f.slackRc.FirstPost(n)
		if !ok {
			continue
		}
		t, err := historyTimes(ctx, c, workflows.WorkflowID(bytebase.IssueRef{Project: project, Number: n}))
		if err != nil {
			return p, err
		}
		switch {
		case t.fast:
			p.fast++
			inTask = append(inTask, postedAt.Sub(t.started))
		case !t.postStarted.IsZero():
			taskDone = append(taskDone, t.firstTaskDone.Sub(t.started))
			dispatch = append(dispatch, t.postStarted.Sub(t.postScheduled))
			posted = append(posted, postedAt.Sub(t.postStarted))
		default:
			continue // the post not completed in the history yet
		}
		p.sampled++
		started = append(started, t.started.Sub(at))
	}
	p.toStarted, p.inTask = summarise(started), summarise(inTask)
	p.toTaskDone, p.dispatch, p.toPosted = summarise(taskDone), summarise(dispatch), summarise(posted)
	return p, nil
}

// times are the history events phases needs.
type times struct {
	started, firstTaskDone, postScheduled, postStarted time.Time
	fast                                               bool // PostCardNow posted the card
}

func historyTimes(ctx context.Context, c client.Client, id string) (times, error) {
	var t times
	postID := int64(0)
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return t, fmt.Errorf("history of %s: %w", id, err)
		}
		at := ev.GetEventTime().AsTime()
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			t.started = at
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			if t.firstTaskDone.IsZero() {
				t.firstTaskDone = at
			}
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			if posted, ok := cardpath.FastPost(ev); ok && posted {
				t.fast = true
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			if postID == 0 && cardpath.QueuedPost(ev) {
				postID, t.postScheduled = ev.GetEventId(), at
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			if postID != 0 && ev.GetActivityTaskStartedEventAttributes().GetScheduledEventId() == postID {
				t.postStarted = at
			}
		}
	}
	return t, nil
}
