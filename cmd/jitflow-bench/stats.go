package main

import (
	"fmt"
	"slices"
	"time"
)

// percentile returns the q-quantile (0..1) of d by nearest rank; d is sorted
// in place. Zero for no samples.
func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(q*float64(len(d))+0.5) - 1
	return d[max(0, min(len(d)-1, i))]
}

// ms formats a duration in milliseconds with one decimal.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000)
}

// median is l's p50 in ms, or "–" for a series with no samples.
func (l latencies) median() string {
	if len(l.samples) == 0 {
		return "–"
	}
	return ms(l.p50)
}

// latencies summarises one measured series.
type latencies struct {
	samples          []time.Duration
	p50, p95, p99    time.Duration
	lost, duplicates int
}

func summarise(d []time.Duration) latencies {
	return latencies{samples: d, p50: percentile(d, 0.50), p95: percentile(d, 0.95), p99: percentile(d, 0.99)}
}
