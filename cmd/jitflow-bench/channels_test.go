package main

import (
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/policy"
)

func TestPolicyRoutesEachInstanceToItsChannel(t *testing.T) {
	chs := cardChannels(4)
	p, err := policy.Parse("bench.yaml", []byte(policyYAML(chs, "remind_after: 15s")))
	if err != nil {
		t.Fatal(err)
	}
	for i, ch := range chs {
		e := p.For(project, []string{"instances/" + instanceFor(i) + "/databases/hr_prod"})
		want := ch
		if i == 0 {
			want = "" // SLACK_CHANNEL
		}
		if e.Channel != want || e.RemindAfter != 15*time.Second {
			t.Errorf("instance %s: channel %q remind %s, want %q, 15s", instanceFor(i), e.Channel, e.RemindAfter, want)
		}
	}
	if got := p.Channels(); len(got) != len(chs)-1 {
		t.Errorf("policy channels %v, want the %d extra ones", got, len(chs)-1)
	}
	if y := policyYAML(cardChannels(1), ""); y != "" {
		t.Errorf("one channel, no defaults: want no policy, got %q", y)
	}
}
