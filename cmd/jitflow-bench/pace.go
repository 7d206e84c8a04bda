package main

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/worker"
)

// The pace check's windows. In any window shorter than one interval a
// channel may get at most the burst; in a long one, the burst plus the rate
// times the window. The short window is 10% under the interval for the
// jitter between a post leaving jitflow and the fake receiving it.
const (
	shortWindow = 900 * time.Millisecond
	longWindow  = 10 * time.Second
)

// pace is how densely posts came into the card channels.
type pace struct {
	posts       int
	short, long int    // the most posts into one channel in any short / long window
	channel     string // where the short maximum was
}

type paceRow struct {
	run  string
	pace pace
}

func paceLimits() (short, long int) {
	return worker.ChannelBurst, worker.ChannelBurst + int(math.Floor(worker.ChannelPostsPerSecond*longWindow.Seconds()))
}

// ok: no channel got more posts in a window than Slack's pace allows.
func (p pace) ok() bool {
	short, long := paceLimits()
	return p.short <= short && p.long <= long
}

// measurePace reads every chat.postMessage the fake received (cards, thread
// replies) into channels.
func measurePace(calls []slackfake.Call, channels []string) pace {
	byChannel := map[string][]time.Time{}
	for _, c := range calls {
		if c.Method == "chat.postMessage" && slices.Contains(channels, c.Params["channel"]) {
			byChannel[c.Params["channel"]] = append(byChannel[c.Params["channel"]], c.Time)
		}
	}
	var p pace
	for _, ch := range channels { // in a fixed order, so ties name the same channel
		ts := byChannel[ch]
		p.posts += len(ts)
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		if n := mostWithin(ts, shortWindow); n > p.short {
			p.short, p.channel = n, ch
		}
		p.long = max(p.long, mostWithin(ts, longWindow))
	}
	return p
}

// mostWithin is the most of the sorted times ts in any window [t, t+w).
func mostWithin(ts []time.Time, w time.Duration) int {
	most, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

func (p pace) String() string {
	short, long := paceLimits()
	return fmt.Sprintf("%d posts; at most %d into one channel (%s) in any %s (limit %d), %d in any %s (limit %d)",
		p.posts, p.short, p.channel, shortWindow, short, p.long, longWindow, long)
}
