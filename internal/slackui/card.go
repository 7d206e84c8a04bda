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

// isSlackUserID accepts only IDs shaped like Slack's (U… or W…, upper-case
// letters and digits), so an ID can't carry markup into "<@…>".
func isSlackUserID(id string) bool {
	if len(id) < 3 || len(id) > 32 || (id[0] != 'U' && id[0] != 'W') {
		return false
	}
	for _, r := range id {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// requester is the person who asked for access.
func (c Card) requester() Person {
	return Person{SlackID: c.RequesterSlack, Email: c.Requester}
}

// interactive reports whether the card still takes clicks.
func (c Card) interactive() bool {
	return c.State == StatePending && c.Failure == ""
}
