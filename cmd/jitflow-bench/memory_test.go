package main

import "testing"

func TestStatusKB(t *testing.T) {
	status := "Name:\tjitflow\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t12\n"
	if got := statusKB(status, "VmRSS"); got != 100<<20 {
		t.Errorf("VmRSS = %d", got)
	}
	if got := statusKB(status, "VmHWM"); got != 200<<20 {
		t.Errorf("VmHWM = %d", got)
	}
	if got := statusKB(status, "VmSwap"); got != 0 {
		t.Errorf("missing field = %d", got)
	}
	if rss, peak := procMemory("self"); rss == 0 || peak < rss {
		t.Logf("no /proc here? rss %d peak %d", rss, peak) // not Linux: zeros
	}
}
