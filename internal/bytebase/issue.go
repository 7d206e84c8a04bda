package bytebase

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Issue types, statuses and approval states as Bytebase spells them.
const (
	TypeRoleGrant      = "ROLE_GRANT"
	TypeAccessGrant    = "ACCESS_GRANT"
	TypeDatabaseChange = "DATABASE_CHANGE"

	StatusOpen     = "OPEN"
	StatusDone     = "DONE"
	StatusCanceled = "CANCELED"

	ApprovalChecking = "CHECKING"
	ApprovalSkipped  = "SKIPPED"
	ApprovalPending  = "PENDING"
	ApprovalApproved = "APPROVED"
	ApprovalRejected = "REJECTED"
)

// Issue is one Bytebase issue normalized across API generations (≤3.10, 3.11–3.16, ≥3.17).
type Issue struct {
	Ref            IssueRef      `json:"ref"`
	Title          string        `json:"title"`
	Reason         string        `json:"reason"`                  // issue description
	Type           string        `json:"type"`                    // ROLE_GRANT (also for GRANT_REQUEST), ACCESS_GRANT, DATABASE_CHANGE, else raw
	Status         string        `json:"status"`                  // OPEN | DONE | CANCELED
	ApprovalStatus string        `json:"approvalStatus"`          // PENDING | APPROVED | REJECTED | CHECKING | SKIPPED
	StepRoles      []string      `json:"stepRoles"`               // one role per approval step, in order
	Approvers      []Approver    `json:"approvers,omitempty"`     // only those who acted, in step order
	Requester      string        `json:"requester"`               // creator's email
	Role           string        `json:"role,omitempty"`          // requested role, e.g. roles/sqlEditorUser
	Databases      []string      `json:"databases,omitempty"`     // "instances/x/databases/y" from the grant condition
	GrantExpiresAt time.Time     `json:"grantExpiresAt,omitzero"` // zero if the grant does not expire
	GrantDuration  time.Duration `json:"grantDuration,omitempty"`
	CreateTime     time.Time     `json:"createTime"`
	UpdateTime     time.Time     `json:"updateTime"`
	Link           string        `json:"link"` // {base}/projects/{p}/issues/{n}
}

// Approver is one recorded decision on an issue.
type Approver struct {
	Status    string `json:"status"`    // APPROVED | REJECTED | PENDING
	Principal string `json:"principal"` // email
}

// TotalSteps returns the number of approval steps.
func (i Issue) TotalSteps() int { return len(i.StepRoles) }

// PendingStep returns the 1-based index of the step waiting for a decision, or
// 0 if none is. Approvers are recorded in step order, so the pending step
// follows the last approval.
func (i Issue) PendingStep() int {
	if i.ApprovalStatus != ApprovalPending {
		return 0
	}
	approved := 0
	for _, a := range i.Approvers {
		if a.Status == ApprovalApproved {
			approved++
		}
	}
	if approved >= len(i.StepRoles) {
		return 0
	}
	return approved + 1
}

// PendingRole returns the role required by the pending step, or "".
func (i Issue) PendingRole() string { return i.StepRole(i.PendingStep()) }

// StepRole is the role that approves step (1-based), or "" for no such step.
func (i Issue) StepRole(step int) string {
	if step < 1 || step > len(i.StepRoles) {
		return ""
	}
	return i.StepRoles[step-1]
}

// AwaitingApproval reports whether the issue is open and waiting for a decision.
// Bytebase's approve call does not check the status itself, so callers must.
func (i Issue) AwaitingApproval() bool {
	return i.Status == StatusOpen && i.ApprovalStatus == ApprovalPending && i.PendingStep() > 0
}

// DatabaseNames returns the short database names, e.g. "hr_prod".
func (i Issue) DatabaseNames() []string {
	return shortDatabaseNames(i.Databases)
}

func shortDatabaseNames(full []string) []string {
	if len(full) == 0 {
		return nil
	}
	names := make([]string, len(full))
	for k, db := range full {
		names[k] = db[strings.LastIndex(db, "/")+1:]
	}
	return names
}

// Wire shapes. Fields of every generation live side by side; decoding picks
// whichever is present.
type wireIssue struct {
	Name                string         `json:"name"`
	Title               string         `json:"title"`
	Description         string         `json:"description"`
	Type                string         `json:"type"`
	Status              string         `json:"status"`
	Approvers           []wireApprover `json:"approvers"`
	ApprovalTemplate    *wireTemplate  `json:"approvalTemplate"`    // ≥3.11
	ApprovalTemplates   []wireTemplate `json:"approvalTemplates"`   // ≤3.10
	ApprovalFindingDone bool           `json:"approvalFindingDone"` // ≤3.10
	ApprovalStatus      string         `json:"approvalStatus"`      // ≥3.11
	Creator             string         `json:"creator"`
	CreateTime          string         `json:"createTime"`
	UpdateTime          string         `json:"updateTime"`
	RoleGrant           *wireRoleGrant `json:"roleGrant"`    // ≥3.17
	GrantRequest        *wireRoleGrant `json:"grantRequest"` // ≤3.16
}

type wireApprover struct {
	Status    string `json:"status"`
	Principal string `json:"principal"`
}

type wireTemplate struct {
	Flow struct {
		Roles []string `json:"roles"` // ≥3.11
		Steps []struct {
			Nodes []struct {
				Role string `json:"role"`
			} `json:"nodes"`
		} `json:"steps"` // ≤3.10
	} `json:"flow"`
}

type wireRoleGrant struct {
	Role      string `json:"role"`
	User      string `json:"user"`
	Condition *struct {
		Expression string `json:"expression"`
	} `json:"condition"`
	Expiration string `json:"expiration"`
}

// DecodeIssue decodes one issue JSON (any generation) and builds Link from baseURL.
func DecodeIssue(data []byte, baseURL string) (Issue, error) {
	var w wireIssue
	if err := json.Unmarshal(data, &w); err != nil {
		return Issue{}, fmt.Errorf("decode issue: %w", err)
	}
	ref, err := ParseIssueName(w.Name)
	if err != nil {
		return Issue{}, fmt.Errorf("decode issue: %w", err)
	}
	iss := Issue{
		Ref:       ref,
		Title:     w.Title,
		Reason:    w.Description,
		Type:      normalizeType(w.Type),
		Status:    w.Status,
		StepRoles: w.stepRoles(),
		Requester: strings.TrimPrefix(w.Creator, "users/"),
		Link:      issueLink(baseURL, ref),
	}
	for _, a := range w.Approvers {
		iss.Approvers = append(iss.Approvers, Approver{Status: a.Status, Principal: strings.TrimPrefix(a.Principal, "users/")})
	}
	iss.ApprovalStatus = w.ApprovalStatus
	if iss.ApprovalStatus == "" {
		iss.ApprovalStatus = deriveApprovalStatus(w.ApprovalFindingDone, len(iss.StepRoles), iss.Approvers)
	}
	if iss.CreateTime, err = parseTimestamp(w.CreateTime); err != nil {
		return Issue{}, fmt.Errorf("decode issue %s: createTime: %w", ref, err)
	}
	if iss.UpdateTime, err = parseTimestamp(w.UpdateTime); err != nil {
		return Issue{}, fmt.Errorf("decode issue %s: updateTime: %w", ref, err)
	}
	grant := w.RoleGrant
	if grant == nil {
		grant = w.GrantRequest
	}
	if grant != nil {
		iss.Role = grant.Role
		if iss.Requester == "" {
			iss.Requester = strings.TrimPrefix(grant.User, "users/")
		}
		if grant.Expiration != "" {
			if iss.GrantDuration, err = time.ParseDuration(grant.Expiration); err != nil {
				return Issue{}, fmt.Errorf("decode issue %s: expiration: %w", ref, err)
			}
		}
		if grant.Condition != nil {
			// A condition we cannot read means we cannot say what is being
			// granted; refuse rather than show an approver a partial picture.
			cond, err := ParseCondition(grant.Condition.Expression)
			if err != nil {
				return Issue{}, fmt.Errorf("decode issue %s: %w", ref, err)
			}
			iss.Databases = cond.Databases
			iss.GrantExpiresAt = cond.ExpiresAt
		}
	}
	return iss, nil
}

func (w *wireIssue) stepRoles() []string {
	if w.ApprovalTemplate != nil {
		return w.ApprovalTemplate.roles()
	}
	if len(w.ApprovalTemplates) > 0 {
		return w.ApprovalTemplates[0].roles()
	}
	return nil
}

func (t *wireTemplate) roles() []string {
	if len(t.Flow.Roles) > 0 {
		return t.Flow.Roles
	}
	var roles []string
	for _, s := range t.Flow.Steps {
		role := ""
		if len(s.Nodes) > 0 {
			role = s.Nodes[0].Role
		}
		roles = append(roles, role)
	}
	return roles
}

// deriveApprovalStatus computes the ≥3.11 approvalStatus for issues that only
// carry approvalFindingDone (≤3.10). An unset approvalStatus on a newer server
// also lands here, as CHECKING, which no caller acts on.
func deriveApprovalStatus(findingDone bool, steps int, approvers []Approver) string {
	if !findingDone {
		return ApprovalChecking
	}
	if steps == 0 {
		return ApprovalSkipped
	}
	approved := 0
	for _, a := range approvers {
		switch a.Status {
		case ApprovalRejected:
			return ApprovalRejected
		case ApprovalApproved:
			approved++
		}
	}
	if approved >= steps {
		return ApprovalApproved
	}
	return ApprovalPending
}

func normalizeType(t string) string {
	if t == "GRANT_REQUEST" {
		return TypeRoleGrant
	}
	return t
}

func parseTimestamp(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

func issueLink(baseURL string, ref IssueRef) string {
	return strings.TrimRight(baseURL, "/") + "/projects/" + url.PathEscape(ref.Project) + "/issues/" + strconv.FormatInt(ref.Number, 10)
}
