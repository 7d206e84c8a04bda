package main

import (
	"context"
	"fmt"
	"net/http"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// goMemory is where a child's memory goes, as its Go runtime reports it on
// the child's /metrics (JIT_METRICS_ADDR): live heap, goroutine stacks, and
// the heap size at which the next GC starts (the headroom GOGC allows).
type goMemory struct {
	heapInuse, stackInuse, nextGC uint64
	goroutines                    int
}

// scrapeGoMemory reads the Go collector's series from a /metrics URL.
func scrapeGoMemory(ctx context.Context, url string) (goMemory, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return goMemory{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return goMemory{}, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return goMemory{}, fmt.Errorf("scrape %s: %s", url, resp.Status)
	}
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return goMemory{}, fmt.Errorf("scrape %s: %w", url, err)
	}
	return goMemoryOf(families)
}

// goMemoryOf picks the Go collector's gauges out of parsed families.
func goMemoryOf(families map[string]*dto.MetricFamily) (goMemory, error) {
	gauge := func(name string) (float64, error) {
		f, ok := families[name]
		if !ok || len(f.GetMetric()) != 1 {
			return 0, fmt.Errorf("no single series %s", name)
		}
		return f.GetMetric()[0].GetGauge().GetValue(), nil
	}
	var m goMemory
	for _, g := range []struct {
		name string
		into *uint64
	}{
		{"go_memstats_heap_inuse_bytes", &m.heapInuse},
		{"go_memstats_stack_inuse_bytes", &m.stackInuse},
		{"go_memstats_next_gc_bytes", &m.nextGC},
	} {
		v, err := gauge(g.name)
		if err != nil {
			return goMemory{}, err
		}
		*g.into = uint64(v)
	}
	n, err := gauge("go_goroutines")
	if err != nil {
		return goMemory{}, err
	}
	m.goroutines = int(n)
	return m, nil
}
