package slackui

import (
	"strings"
	"testing"
)

func TestButtonValueRoundTrip(t *testing.T) {
	want := ButtonValue{WorkflowID: "jit/project-sample/123", Step: 2}
	s, ok := encodeButtonValue(want)
	if !ok {
		t.Fatal("encode failed")
	}
	got, err := ParseButtonValue(s)
	if err != nil || got != want {
		t.Errorf("ParseButtonValue(%q) = %+v, %v; want %+v", s, got, err, want)
	}
}

func TestParseButtonValueRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"jit/project-sample/123",
		`{"wf":"x"}`,
		`{"wf":"","step":1}`,
		`{"wf":"x","step":0}`,
		`{"wf":"x","step":1,"admin":true}`,
		`{"wf":"x","step":1} {}`,
		`{"wf":"` + strings.Repeat("x", 2000) + `","step":1}`,
	} {
		if v, err := ParseButtonValue(s); err == nil {
			t.Errorf("ParseButtonValue(%.40q) = %+v, want error", s, v)
		}
	}
}
