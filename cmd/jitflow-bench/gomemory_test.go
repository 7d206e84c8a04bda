package main

import (
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
)

func TestGoMemoryOf(t *testing.T) {
	const text = `# TYPE go_goroutines gauge
go_goroutines 20512
# TYPE go_memstats_heap_inuse_bytes gauge
go_memstats_heap_inuse_bytes 3.145728e+08
# TYPE go_memstats_stack_inuse_bytes gauge
go_memstats_stack_inuse_bytes 1.6777216e+08
# TYPE go_memstats_next_gc_bytes gauge
go_memstats_next_gc_bytes 6.291456e+08
`
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	m, err := goMemoryOf(families)
	if err != nil {
		t.Fatal(err)
	}
	want := goMemory{heapInuse: 300 << 20, stackInuse: 160 << 20, nextGC: 600 << 20, goroutines: 20512}
	if m != want {
		t.Errorf("goMemoryOf = %+v, want %+v", m, want)
	}
	delete(families, "go_memstats_stack_inuse_bytes")
	if _, err := goMemoryOf(families); err == nil || !strings.Contains(err.Error(), "go_memstats_stack_inuse_bytes") {
		t.Errorf("a missing series: %v", err)
	}
}
