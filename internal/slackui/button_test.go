package slackui

import (
	"strings"
	"testing"
)

func TestButtonValueRoundTrip(t *testing.T) {
	for _, want := range []ButtonValue{
		{WorkflowID: "jit/project-sample/123", Step: 2},
		{WorkflowID: "jit/project-sample/123", Step: 1, RequireReason: true},
	} {
		s, ok := encodeButtonValue(want)
		if !ok {
			t.Fatal("encode failed")
		}
		got, err := ParseButtonValue(s)
		if err != nil || got != want {
			t.Errorf("ParseButtonValue(%q) = %+v, %v; want %+v", s, got, err, want)
		}
	}
}

// Only Deny says whether a reason is required; Approve stays as it was.
func TestButtonValuesRequireReason(t *testing.T) {
	c := baseCard()
	c.RequireDenyReason = true
	approve, deny, ok := buttonValues(c)
	if !ok || approve != `{"wf":"jit/project-sample/123","step":1}` || deny != `{"wf":"jit/project-sample/123","step":1,"r":true}` {
		t.Errorf("buttonValues = %q, %q, %v", approve, deny, ok)
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
