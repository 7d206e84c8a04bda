package workflows

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jitflow/jitflow/activities"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/slackui"
)

// Names that the gateway, the worker and operators (Temporal UI, CLI) share.
const (
	ApprovalWorkflowName = "ApprovalWorkflow"
	SignalClick          = "click"
	SignalHint           = "hint"
	QueryState           = "state"
)

// WorkflowID is the one workflow ID of a Bytebase issue. Webhooks, retries
// and (later) the poller all derive it, so they collapse onto one request.
func WorkflowID(ref bytebase.IssueRef) string {
	return "jit/" + ref.Project + "/" + strconv.FormatInt(ref.Number, 10)
}

// ParseWorkflowID is WorkflowID's inverse.
func ParseWorkflowID(id string) (bytebase.IssueRef, error) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 || parts[0] != "jit" || parts[1] == "" {
		return bytebase.IssueRef{}, fmt.Errorf("not a jitflow workflow ID: %q", id)
	}
	n, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || n <= 0 {
		return bytebase.IssueRef{}, fmt.Errorf("not a jitflow workflow ID: %q", id)
	}
	return bytebase.IssueRef{Project: parts[1], Number: n}, nil
}

// ApprovalInput starts the workflow of one issue. It carries the issue's
// identity and, at most, the issue as the starter read it from Bytebase's
// API a moment before: nothing is ever taken from a webhook's body.
type ApprovalInput struct {
	Issue bytebase.IssueRef `json:"issue"`
	// Snapshot is the issue as the gateway read it (GetIssue, Bytebase's
	// cache skipped) just before starting the workflow, which then need not
	// read it again; nil when the gateway has no Bytebase credentials or
	// its read failed.
	Snapshot *bytebase.Issue `json:"snapshot,omitempty"`
	// Carried is the state of a request continued as new (long waits keep
	// their history short); nil for a new request.
	Carried *Carried `json:"carried,omitempty"`
}

// Decision is what a clicker asked for.
type Decision string

const (
	Approve Decision = "approve"
	Deny    Decision = "deny"
)

// Click is an Approve or Deny click, delivered by signal once the gateway has
// verified Slack's signature. Only UserID identifies the clicker; everything
// else about them is looked up by the workflow.
type Click struct {
	ID         string    `json:"id"` // Slack action_ts + user: a replayed request has the same ID
	WorkflowID string    `json:"workflowId"`
	Decision   Decision  `json:"decision"`
	Step       int       `json:"step"` // the step shown on the card that was clicked
	UserID     string    `json:"userId"`
	Channel    string    `json:"channel"`
	MessageTS  string    `json:"messageTs"`
	At         time.Time `json:"at"`
	// Reason is the deny reason typed into the modal.
	Reason string `json:"reason,omitempty"`
}

// Hint tells a running workflow that Bytebase reported something about its
// issue; the workflow re-reads the issue instead of trusting the event.
type Hint struct {
	Event string `json:"event"` // webhook event name, or HintPoll
	// PendingStep is the step the poller saw pending (0 if unknown). A poll
	// hint that matches the card's step says nothing new, so the workflow
	// skips the re-read; any other hint makes it re-read.
	PendingStep int `json:"pendingStep,omitempty"`
}

// HintPoll is the Event of hints the poller sends.
const HintPoll = "poll"

// says reports whether the hint only repeats what the card shows.
func (h Hint) says(cardStep int) bool {
	return h.Event == HintPoll && h.PendingStep == cardStep
}

// Status is the request's state as shown in the JitStatus search attribute.
type Status string

const (
	StatusChecking          Status = "checking"
	StatusPending           Status = "pending"
	StatusApproved          Status = "approved"
	StatusDenied            Status = "denied"
	StatusExpired           Status = "expired"
	StatusDecidedInBytebase Status = "decided_in_bytebase"
	StatusFailed            Status = "failed"
	StatusIgnored           Status = "ignored" // not a request jitflow handles, or not awaiting approval
)

// State is the workflow's answer to the "state" query.
type State struct {
	Status Status              `json:"status"`
	Issue  bytebase.Issue      `json:"issue"`
	Card   slackui.Card        `json:"card"`
	Posted *activities.CardRef `json:"posted,omitempty"`
	Clicks []ClickRecord       `json:"clicks,omitempty"`
	Note   string              `json:"note,omitempty"`
}

// ClickRecord is the audit of one click: accepted or refused, and why.
type ClickRecord struct {
	Click    Click          `json:"click"`
	By       slackui.Person `json:"by"`
	Accepted bool           `json:"accepted"`
	Outcome  string         `json:"outcome"`
}

// Result is the workflow's return value.
type Result struct {
	Status  Status         `json:"status"`
	Decider slackui.Person `json:"decider,omitempty"`
	Note    string         `json:"note,omitempty"`
}
