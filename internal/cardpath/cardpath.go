// Package cardpath reads from an approval workflow's history events how its
// card was posted: at once, by the fast path (a PostCardNow local-activity
// marker), or through the channel's queue (a PostCardOnce or, before the
// fast path, PostCard activity). The harness and the end-to-end tests use
// it; jitflow itself never reads histories.
package cardpath

import (
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/jitflow/jitflow/activities"
)

// FastPost reads a PostCardNow marker: ok if ev is one, posted if the card
// was posted by it.
func FastPost(ev *historypb.HistoryEvent) (posted, ok bool) {
	attrs := ev.GetMarkerRecordedEventAttributes()
	if attrs.GetMarkerName() != "LocalActivity" {
		return false, false
	}
	dc := converter.GetDefaultDataConverter()
	var data struct{ ActivityType string } // the SDK's marker data
	if err := dc.FromPayloads(attrs.GetDetails()["data"], &data); err != nil || data.ActivityType != "PostCardNow" {
		return false, false
	}
	var fp activities.FastPost
	if err := dc.FromPayloads(attrs.GetDetails()["result"], &fp); err != nil {
		return false, true // failed: no result recorded
	}
	return fp.Posted, true
}

// QueuedPost reports whether ev schedules the card's post through the
// channel's queue.
func QueuedPost(ev *historypb.HistoryEvent) bool {
	switch ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() {
	case "PostCard", "PostCardOnce":
		return true
	}
	return false
}
