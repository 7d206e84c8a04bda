// Package slackui renders Bytebase approval requests as Slack Block Kit
// messages. It does no I/O and reads no clock: everything it shows comes from
// the Card, so the same Card always renders the same message.
package slackui

import "time"

// Action IDs of the card's buttons.
const (
	ActionApprove = "jit_approve"
	ActionDeny    = "jit_deny"
)

// ActionReview is the action ID of the notify-only card's link button.
// Slack still sends a block_actions payload when it is clicked; acknowledge
// it and do nothing.
const ActionReview = "jit_review"

// ActionsBlockID is the block_id of the block holding the buttons, so a
// block_actions payload can be matched to the card.
const ActionsBlockID = "jit_actions"

// State is where an approval request stands, as the card shows it.
type State string

const (
	StatePending           State = "pending"
	StateApproved          State = "approved"
	StateDenied            State = "denied"
	StateExpired           State = "expired"
	StateDecidedInBytebase State = "decided_in_bytebase"
	StateFailed            State = "failed"
	StateClosed            State = "closed" // closed or canceled in Bytebase
)

// Approval modes: where approvers decide. "" means ModeSlack.
const (
	ModeSlack      = "slack"       // Approve and Deny buttons on the card
	ModeNotifyOnly = "notify_only" // a link to Bytebase; decisions happen there
)

// What happened in Bytebase, for Card.DecidedInBytebase.
const (
	BytebaseApproved = "approved"
	BytebaseRejected = "rejected"
	BytebaseCanceled = "canceled"
	BytebaseDone     = "done"
)

// Card is everything the approval card shows. It is kept in workflow state,
// so it must survive a JSON round trip.
type Card struct {
	WorkflowID     string         `json:"workflowId"` // goes into button values
	Project        string         `json:"project"`
	IssueNumber    int64          `json:"issueNumber"`
	Title          string         `json:"title"`
	Requester      string         `json:"requester"`                // email
	RequesterSlack string         `json:"requesterSlack,omitempty"` // Slack user ID, if resolved
	Role           string         `json:"role"`                     // human title, "SQL Editor User"
	Databases      []string       `json:"databases"`                // short names
	GrantExpiresAt time.Time      `json:"grantExpiresAt,omitzero"`
	GrantDuration  time.Duration  `json:"grantDuration,omitempty"`
	Reason         string         `json:"reason"`
	Link           string         `json:"link"` // Bytebase issue URL, built by jitflow
	Step           int            `json:"step"` // current step, 1-based
	TotalSteps     int            `json:"totalSteps"`
	StepRole       string         `json:"stepRole"` // human title of the current step's approver role
	RequestedAt    time.Time      `json:"requestedAt"`
	State          State          `json:"state"`
	Decider        *Person        `json:"decider,omitempty"` // who decided, in Slack or Bytebase
	DecidedAt      time.Time      `json:"decidedAt,omitzero"`
	StepsApproved  []StepDecision `json:"stepsApproved,omitempty"` // earlier steps approved via this card
	DenyReason     string         `json:"denyReason,omitempty"`
	Failure        string         `json:"failure,omitempty"` // what failed; a human must then act in Bytebase
	// Trouble is a failure jitflow is still retrying ("Bytebase is not
	// answering while approving step 1"), shown on a pending card without
	// taking its buttons away; TroubleSince is when it began.
	Trouble      string    `json:"trouble,omitempty"`
	TroubleSince time.Time `json:"troubleSince,omitzero"`

	// Lifecycle: how the request is decided, and its timers. All times come
	// from the workflow; zero means "not set" (or, for the future ones,
	// "won't happen").
	Mode              string     `json:"mode,omitempty"` // ModeSlack ("" too) or ModeNotifyOnly
	RequireDenyReason bool       `json:"requireDenyReason,omitempty"`
	Channel           string     `json:"channel,omitempty"`   // channel ID the card is in
	StepSince         time.Time  `json:"stepSince,omitzero"`  // when the current step became pending
	RemindedAt        time.Time  `json:"remindedAt,omitzero"` // last reminder for the current step
	EscalatesAt       time.Time  `json:"escalatesAt,omitzero"`
	EscalatedAt       time.Time  `json:"escalatedAt,omitzero"`
	EscalatedTo       Escalation `json:"escalatedTo,omitzero"`
	ExpiresAt         time.Time  `json:"expiresAt,omitzero"`          // when the request is denied automatically
	ExpiryNote        string     `json:"expiryNote,omitempty"`        // for StateExpired: "No decision within 2h; denied automatically"
	DecidedInBytebase string     `json:"decidedInBytebase,omitempty"` // for StateDecidedInBytebase: Bytebase* above
}

// Person is someone shown on the card. Any field may be empty.
type Person struct {
	SlackID string `json:"slackId,omitempty"`
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
}

// StepDecision records one approval step taken through the card.
type StepDecision struct {
	Step int       `json:"step"`
	Role string    `json:"role"`
	By   Person    `json:"by"`
	At   time.Time `json:"at,omitzero"`
}

// Mention renders p for mrkdwn: a real mention when the Slack ID is known,
// otherwise the escaped name or email.
func (p Person) Mention() string {
	switch {
	case isSlackUserID(p.SlackID):
		return "<@" + p.SlackID + ">"
	case p.Name != "":
		return EscapeTruncate(p.Name, maxName)
	case p.Email != "":
		return EscapeTruncate(p.Email, maxEmail)
	}
	return "someone"
}

// requester is the person who asked for access.
func (c Card) requester() Person {
	return Person{SlackID: c.RequesterSlack, Email: c.Requester}
}

// open reports whether the request still waits for a decision.
func (c Card) open() bool {
	return c.State == StatePending && c.Failure == ""
}

// inSlack reports whether approvers decide on the card. Only the known
// Slack modes count: an unknown mode must not put buttons where in-chat
// approval may be forbidden.
func (c Card) inSlack() bool {
	return c.Mode == "" || c.Mode == ModeSlack
}

// interactive reports whether the card still takes clicks.
func (c Card) interactive() bool {
	return c.open() && c.inSlack()
}

// stepSince is when the current step started waiting: StepSince, else the
// last approval through the card, else the request itself.
func (c Card) stepSince() time.Time {
	if !c.StepSince.IsZero() {
		return c.StepSince
	}
	if n := len(c.StepsApproved); n > 0 && !c.StepsApproved[n-1].At.IsZero() {
		return c.StepsApproved[n-1].At
	}
	return c.RequestedAt
}
