package main

import (
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
)

func TestMeasurePace(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	post := func(ch string, at time.Duration) slackfake.Call {
		return slackfake.Call{Method: "chat.postMessage", Params: map[string]string{"channel": ch}, Time: t0.Add(at)}
	}
	paced := []slackfake.Call{
		post("C1", 0), post("C1", 10*time.Millisecond), // a burst of two
		post("C2", 100*time.Millisecond), post("C1", time.Second), post("C1", 2*time.Second),
		post("DM", 2010*time.Millisecond), // not a card channel
		{Method: "chat.update", Params: map[string]string{"channel": "C1"}, Time: t0.Add(2020 * time.Millisecond)},
	}
	p := measurePace(paced, []string{"C1", "C2"})
	if p.posts != 5 || p.short != 2 || p.long != 4 || p.channel != "C1" || !p.ok() {
		t.Errorf("paced posts: %+v", p)
	}
	tooMany := append(paced, post("C2", 150*time.Millisecond), post("C2", 200*time.Millisecond))
	if p := measurePace(tooMany, []string{"C1", "C2"}); p.ok() || p.short != 3 || p.channel != "C2" {
		t.Errorf("three posts in 100 ms judged %+v", p)
	}
	var steady []slackfake.Call // two per second for 10 s: the long window catches it
	for i := range 20 {
		steady = append(steady, post("C1", time.Duration(i)*500*time.Millisecond))
	}
	if p := measurePace(steady, []string{"C1"}); p.ok() || p.long != 20 {
		t.Errorf("2/s for 10 s judged %+v", p)
	}
}
