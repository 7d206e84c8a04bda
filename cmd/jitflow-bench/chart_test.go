package main

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestWriteChartIsWellFormedSVG(t *testing.T) {
	var b strings.Builder
	err := writeChart(&b, "latency <test>", "req/s", "ms", []series{
		{name: "p50", color: "#1f77b4", points: [][2]float64{{5, 20}, {10, 30}}},
		{name: "p99", color: "#d62728", points: [][2]float64{{5, 40}, {10, 95}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(strings.NewReader(b.String()))
	for {
		if _, err := d.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed: %v", err)
			}
			break
		}
	}
	if !strings.Contains(b.String(), "polyline") || !strings.Contains(b.String(), "latency &lt;test&gt;") {
		t.Errorf("chart lacks lines or escaped title:\n%s", b.String())
	}
}

func TestNiceCeil(t *testing.T) {
	for in, want := range map[float64]float64{0: 1, 7: 10, 12: 20, 130: 200, 450: 500} {
		if got := niceCeil(in); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", in, got, want)
		}
	}
}
