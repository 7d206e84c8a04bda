package slackui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ButtonValue is what a card button carries back in its click. It only
// routes the click to a workflow; who may decide is checked server-side.
type ButtonValue struct {
	WorkflowID    string `json:"wf"`
	Step          int    `json:"step"`
	RequireReason bool   `json:"r,omitempty"` // Deny only: the modal must demand a reason
}

// encodeButtonValue returns the button value, or false when it would break
// Slack's length limit.
func encodeButtonValue(v ButtonValue) (string, bool) {
	b, err := json.Marshal(v)
	if err != nil || len(b) > maxButtonValue {
		return "", false
	}
	return string(b), true
}

// ParseButtonValue decodes a button value from a click. The value comes from
// Slack, so anything but a well-formed value is an error.
func ParseButtonValue(s string) (ButtonValue, error) {
	if len(s) > maxButtonValue {
		return ButtonValue{}, errors.New("slackui: button value too long")
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	var v ButtonValue
	if err := dec.Decode(&v); err != nil {
		return ButtonValue{}, fmt.Errorf("slackui: bad button value: %w", err)
	}
	if dec.More() {
		return ButtonValue{}, errors.New("slackui: bad button value: trailing data")
	}
	if v.WorkflowID == "" || v.Step < 1 {
		return ButtonValue{}, fmt.Errorf("slackui: bad button value %q: needs wf and step ≥ 1", s)
	}
	return v, nil
}
