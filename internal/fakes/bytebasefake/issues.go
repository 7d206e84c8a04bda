package bytebasefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
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

	approvalSkipped  = "SKIPPED"
	approvalPending  = "PENDING"
	approvalApproved = "APPROVED"
	approvalRejected = "REJECTED"
)

// NewIssue describes an issue to create with AddIssue.
type NewIssue struct {
	Project      string // required
	Title        string // default: Bytebase's "Request role" title
	Description  string // the requester's reason
	Requester    string // creator's email; required
	Type         string // default ROLE_GRANT
	Role         string // requested role for ROLE_GRANT, e.g. roles/sqlEditorUser
	Databases    []string
	ExpiresAt    time.Time // zero: the grant does not expire
	StepRoles    []string  // one role per approval step; default one roles/projectOwner step
	SelfApproval bool      // allow the requester to approve their own issue
}

// Approver is one recorded decision.
type Approver struct {
	Status    string // APPROVED | REJECTED
	Principal string // email
}

// TimelineEntry is one event on an issue's timeline.
type TimelineEntry struct {
	Action   string // APPROVE, REJECT, COMMENT, RE_REQUEST or STATUS
	Actor    string // email
	Comment  string
	ToStatus string // for STATUS
}

// IssueState is a snapshot of an issue for assertions.
type IssueState struct {
	Status         string
	ApprovalStatus string
	Approvers      []Approver
	Comments       []string // non-empty comments of the timeline, in order
	Timeline       []TimelineEntry
}

type issueKey struct {
	project string
	number  int64
}

type issue struct {
	key          issueKey
	title        string
	description  string
	typ          string
	status       string
	requester    string
	role         string
	databases    []string
	expiresAt    time.Time
	stepRoles    []string
	selfApproval bool
	approvers    []Approver
	timeline     []TimelineEntry
	createTime   time.Time
	updateTime   time.Time
}

// AddIssue creates an OPEN issue pending its first approval step and returns
// its number. Numbers start at 100 and are unique across projects, as in
// Bytebase. It panics on a missing project or requester, or an unknown type.
func (s *Server) AddIssue(n NewIssue) int64 {
	if n.Project == "" || n.Requester == "" {
		panic("bytebasefake: NewIssue needs Project and Requester")
	}
	if n.Type == "" {
		n.Type = TypeRoleGrant
	}
	if !validType(n.Type) {
		panic(fmt.Sprintf("bytebasefake: unknown issue type %q", n.Type))
	}
	if len(n.StepRoles) == 0 {
		n.StepRoles = []string{"roles/projectOwner"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	num := s.nextNumber
	s.nextNumber++
	iss := &issue{
		key:          issueKey{n.Project, num},
		title:        n.Title,
		description:  n.Description,
		typ:          n.Type,
		status:       StatusOpen,
		requester:    n.Requester,
		role:         n.Role,
		databases:    slices.Clone(n.Databases),
		expiresAt:    n.ExpiresAt,
		stepRoles:    slices.Clone(n.StepRoles),
		selfApproval: n.SelfApproval,
		createTime:   now,
		updateTime:   now,
	}
	if iss.title == "" {
		iss.title = defaultTitle(n, now)
	}
	s.issues[iss.key] = iss
	return num
}

func defaultTitle(n NewIssue, now time.Time) string {
	if n.Type != TypeRoleGrant {
		return "Issue for " + n.Requester
	}
	return fmt.Sprintf("[%s] Request %q role @%s", strings.Join(n.Databases, ","),
		strings.TrimPrefix(n.Role, "roles/"), now.UTC().Format("01-02 15:04 UTC-0700"))
}

func validType(t string) bool {
	return t == TypeRoleGrant || t == TypeAccessGrant || t == TypeDatabaseChange
}

// Issue returns the issue's JSON exactly as GET would serve it.
func (s *Server) Issue(project string, number int64) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	iss := s.issues[issueKey{project, number}]
	if iss == nil {
		return nil, false
	}
	data, err := json.Marshal(iss.wire())
	if err != nil {
		panic(fmt.Sprintf("bytebasefake: encode issue: %v", err)) // only plain strings and slices: cannot happen
	}
	return data, true
}

// State returns a typed snapshot of the issue.
func (s *Server) State(project string, number int64) (IssueState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	iss := s.issues[issueKey{project, number}]
	if iss == nil {
		return IssueState{}, false
	}
	st := IssueState{
		Status:         iss.status,
		ApprovalStatus: iss.approvalStatus(),
		Approvers:      slices.Clone(iss.approvers),
		Timeline:       slices.Clone(iss.timeline),
	}
	for _, e := range iss.timeline {
		if e.Comment != "" {
			st.Comments = append(st.Comments, e.Comment)
		}
	}
	return st, true
}

// ApproveAs records an approval of the pending step by a human directly in
// Bytebase. Bytebase's state checks apply; role membership is assumed.
func (s *Server) ApproveAs(project string, number int64, email string) error {
	return s.decideAs(project, number, email, s.approve)
}

// RejectAs records a rejection ("send back") by a human directly in Bytebase.
func (s *Server) RejectAs(project string, number int64, email string) error {
	return s.decideAs(project, number, email, s.reject)
}

func (s *Server) decideAs(project string, number int64, email string, decide func(*issue, string, string, bool) *apiError) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	iss := s.issues[issueKey{project, number}]
	if iss == nil {
		return fmt.Errorf("bytebasefake: issue %s#%d not found", project, number)
	}
	if e := decide(iss, email, "", false); e != nil {
		return fmt.Errorf("bytebasefake: %s", e.message)
	}
	return nil
}

// ReRequest is the creator asking again after a rejection: rejections are
// dropped and the rejected step is pending again.
func (s *Server) ReRequest(project string, number int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	iss := s.issues[issueKey{project, number}]
	if iss == nil {
		return fmt.Errorf("bytebasefake: issue %s#%d not found", project, number)
	}
	if iss.approvalStatus() != approvalRejected {
		return fmt.Errorf("bytebasefake: cannot request issues because the issue is not rejected")
	}
	iss.approvers = slices.DeleteFunc(iss.approvers, func(a Approver) bool { return a.Status == approvalRejected })
	iss.touch(s.now(), TimelineEntry{Action: "RE_REQUEST", Actor: iss.requester})
	return nil
}

// SetStatus changes the status directly in Bytebase, e.g. the creator
// canceling the issue in the UI.
func (s *Server) SetStatus(project string, number int64, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	iss := s.issues[issueKey{project, number}]
	if iss == nil {
		return fmt.Errorf("bytebasefake: issue %s#%d not found", project, number)
	}
	if !validStatus(status) {
		return fmt.Errorf("bytebasefake: invalid status %q", status)
	}
	iss.status = status
	iss.touch(s.now(), TimelineEntry{Action: "STATUS", Actor: iss.requester, ToStatus: status})
	return nil
}

func validStatus(st string) bool {
	return st == StatusOpen || st == StatusDone || st == StatusCanceled
}

// approvalStatus derives the state from the recorded decisions, so it can
// never disagree with them.
func (iss *issue) approvalStatus() string {
	if len(iss.stepRoles) == 0 {
		return approvalSkipped
	}
	approved := 0
	for _, a := range iss.approvers {
		if a.Status == approvalRejected {
			return approvalRejected
		}
		approved++
	}
	if approved >= len(iss.stepRoles) {
		return approvalApproved
	}
	return approvalPending
}

func (iss *issue) touch(now time.Time, e TimelineEntry) {
	iss.timeline = append(iss.timeline, e)
	iss.updateTime = now
}

// approve follows Bytebase's ApproveIssue: it does not look at the status,
// so approving a CANCELED issue still completes it.
func (s *Server) approve(iss *issue, actor, comment string, checkRole bool) *apiError {
	switch iss.approvalStatus() {
	case approvalRejected:
		return errorf(http.StatusBadRequest, codeInvalidArgument, "cannot approve because the issue has been rejected")
	case approvalApproved, approvalSkipped:
		return errorf(http.StatusBadRequest, codeInvalidArgument, "the issue has been approved")
	}
	if checkRole && !s.holdsRole(iss.key.project, actor, iss.stepRoles[len(iss.approvers)]) {
		return errorf(http.StatusForbidden, codePermissionDenied, "cannot approve because the user does not have the required permission")
	}
	if !iss.selfApproval && actor == iss.requester {
		return errorf(http.StatusForbidden, codePermissionDenied, "cannot approve because self-approval is not allowed for this project")
	}
	iss.approvers = append(iss.approvers, Approver{Status: approvalApproved, Principal: actor})
	if iss.approvalStatus() == approvalApproved && iss.typ == TypeRoleGrant {
		iss.status = StatusDone // the role is granted in the same call
	}
	iss.touch(s.now(), TimelineEntry{Action: "APPROVE", Actor: actor, Comment: comment})
	return nil
}

// reject follows Bytebase's RejectIssue: the issue stays OPEN.
func (s *Server) reject(iss *issue, actor, comment string, checkRole bool) *apiError {
	switch iss.approvalStatus() {
	case approvalRejected:
		return errorf(http.StatusBadRequest, codeInvalidArgument, "cannot reject because the issue has been rejected")
	case approvalApproved, approvalSkipped:
		return errorf(http.StatusBadRequest, codeInvalidArgument, "the issue has been approved")
	}
	if checkRole && !s.holdsRole(iss.key.project, actor, iss.stepRoles[len(iss.approvers)]) {
		return errorf(http.StatusForbidden, codePermissionDenied, "cannot reject because the user does not have the required permission")
	}
	iss.approvers = append(iss.approvers, Approver{Status: approvalRejected, Principal: actor})
	iss.touch(s.now(), TimelineEntry{Action: "REJECT", Actor: actor, Comment: comment})
	return nil
}

// issueHandler resolves {project}/issues/{id} before calling fn.
func (s *Server) issueHandler(project, id string, fn func(*issue, *http.Request, []byte) (any, *apiError)) handler {
	return func(r *http.Request, body []byte) (any, *apiError) {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 || strings.TrimLeft(id, "0123456789") != "" {
			return nil, errorf(http.StatusBadRequest, codeInvalidArgument, "invalid issue ID %q", id)
		}
		iss := s.issues[issueKey{project, n}]
		if iss == nil {
			return nil, errorf(http.StatusNotFound, codeNotFound, "issue %d not found in project %s", n, project)
		}
		return fn(iss, r, body)
	}
}

func (s *Server) getIssue(iss *issue, r *http.Request, _ []byte) (any, *apiError) {
	for k, v := range r.URL.Query() {
		if k != "force" {
			return nil, errorf(http.StatusBadRequest, codeInvalidArgument, "unknown query parameter %q", k)
		}
		if _, err := strconv.ParseBool(v[0]); err != nil || len(v) != 1 {
			return nil, errorf(http.StatusBadRequest, codeInvalidArgument, "invalid value for force: %q", v[0])
		}
	}
	return iss.wire(), nil
}

func (s *Server) approveIssue(iss *issue, _ *http.Request, body []byte) (any, *apiError) {
	return s.decideAPI(iss, body, s.approve)
}

func (s *Server) rejectIssue(iss *issue, _ *http.Request, body []byte) (any, *apiError) {
	return s.decideAPI(iss, body, s.reject)
}

func (s *Server) decideAPI(iss *issue, body []byte, decide func(*issue, string, string, bool) *apiError) (any, *apiError) {
	var req struct {
		Comment string `json:"comment"`
	}
	if e := decodeStrict(body, &req, "comment"); e != nil {
		return nil, e
	}
	if e := decide(iss, s.account, req.Comment, s.enforceRoles); e != nil {
		return nil, e
	}
	return iss.wire(), nil
}

func (s *Server) commentIssue(iss *issue, _ *http.Request, body []byte) (any, *apiError) {
	var req struct {
		Comment string `json:"comment"`
	}
	if e := decodeStrict(body, &req, "comment"); e != nil {
		return nil, e
	}
	iss.touch(s.now(), TimelineEntry{Action: "COMMENT", Actor: s.account, Comment: req.Comment})
	return map[string]string{
		"name":       fmt.Sprintf("projects/%s/issues/%d/issueComments/%d", iss.key.project, iss.key.number, len(iss.timeline)),
		"comment":    req.Comment,
		"creator":    "users/" + s.account,
		"createTime": timestamp(iss.updateTime),
		"updateTime": timestamp(iss.updateTime),
	}, nil
}

func (s *Server) batchStatusHandler(project string) handler {
	return func(_ *http.Request, body []byte) (any, *apiError) {
		var req struct {
			Issues []string `json:"issues"`
			Status string   `json:"status"`
			Reason string   `json:"reason"`
		}
		if e := decodeStrict(body, &req, "issues", "status", "reason"); e != nil {
			return nil, e
		}
		if len(req.Issues) == 0 {
			return struct{}{}, nil
		}
		if !validStatus(req.Status) {
			return nil, errorf(http.StatusBadRequest, codeInvalidArgument, "failed to convert to issue status, err: invalid status %q", req.Status)
		}
		// Validate everything before changing anything: the real call is one transaction.
		var targets []*issue
		for _, name := range req.Issues {
			key, ok := parseIssueName(name)
			if !ok {
				return nil, errorf(http.StatusBadRequest, codeInvalidArgument, "invalid issue name %q", name)
			}
			if key.project != project && project != "-" {
				return nil, errorf(http.StatusBadRequest, codeInvalidArgument, "issue %q is not in project %q", name, project)
			}
			iss := s.issues[key]
			if iss == nil {
				return nil, errorf(http.StatusNotFound, codeNotFound, "issue %d not found in project %s", key.number, key.project)
			}
			if iss.status == StatusDone && req.Status != StatusDone {
				return nil, errorf(http.StatusBadRequest, codeFailedPrecondition, "cannot change status of done issue %d", key.number)
			}
			targets = append(targets, iss)
		}
		for _, iss := range targets {
			iss.status = req.Status
			iss.touch(s.now(), TimelineEntry{Action: "STATUS", Actor: s.account, Comment: req.Reason, ToStatus: req.Status})
		}
		return struct{}{}, nil
	}
}

func parseIssueName(name string) (issueKey, bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 4 || parts[0] != "projects" || parts[1] == "" || parts[2] != "issues" {
		return issueKey{}, false
	}
	n, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil || n <= 0 || strings.TrimLeft(parts[3], "0123456789") != "" {
		return issueKey{}, false
	}
	return issueKey{parts[1], n}, true
}

// Wire shapes of the ≥3.17 API.
type wireIssue struct {
	Name             string         `json:"name"`
	Title            string         `json:"title,omitempty"`
	Description      string         `json:"description,omitempty"`
	Type             string         `json:"type"`
	Status           string         `json:"status"`
	Approvers        []wireApprover `json:"approvers,omitempty"`
	ApprovalTemplate *wireTemplate  `json:"approvalTemplate,omitempty"`
	Creator          string         `json:"creator"`
	CreateTime       string         `json:"createTime"`
	UpdateTime       string         `json:"updateTime"`
	RoleGrant        *wireRoleGrant `json:"roleGrant,omitempty"`
	ApprovalStatus   string         `json:"approvalStatus"`
}

type wireApprover struct {
	Status    string `json:"status"`
	Principal string `json:"principal"`
}

type wireTemplate struct {
	Flow struct {
		Roles []string `json:"roles"`
	} `json:"flow"`
	Title string `json:"title,omitempty"`
}

type wireRoleGrant struct {
	Role       string         `json:"role,omitempty"`
	User       string         `json:"user"`
	Condition  *wireCondition `json:"condition,omitempty"`
	Expiration string         `json:"expiration,omitempty"`
}

type wireCondition struct {
	Expression  string `json:"expression"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

func (iss *issue) wire() wireIssue {
	w := wireIssue{
		Name:           fmt.Sprintf("projects/%s/issues/%d", iss.key.project, iss.key.number),
		Title:          iss.title,
		Description:    iss.description,
		Type:           iss.typ,
		Status:         iss.status,
		Creator:        "users/" + iss.requester,
		CreateTime:     timestamp(iss.createTime),
		UpdateTime:     timestamp(iss.updateTime),
		ApprovalStatus: iss.approvalStatus(),
	}
	for _, a := range iss.approvers {
		w.Approvers = append(w.Approvers, wireApprover{Status: a.Status, Principal: "users/" + a.Principal})
	}
	if len(iss.stepRoles) > 0 {
		w.ApprovalTemplate = &wireTemplate{Title: "Approval flow"}
		w.ApprovalTemplate.Flow.Roles = slices.Clone(iss.stepRoles)
	}
	if iss.typ == TypeRoleGrant {
		g := &wireRoleGrant{Role: iss.role, User: "users/" + iss.requester}
		if expr := iss.conditionExpr(); expr != "" {
			g.Condition = &wireCondition{Expression: expr, Description: iss.description}
		}
		if !iss.expiresAt.IsZero() {
			g.Expiration = strconv.FormatInt(int64(iss.expiresAt.Sub(iss.createTime)/time.Second), 10) + "s"
		}
		w.RoleGrant = g
	}
	return w
}

// conditionExpr renders the grant condition the way Bytebase's UI writes it.
func (iss *issue) conditionExpr() string {
	var parts []string
	if len(iss.databases) > 0 {
		quoted := make([]string, len(iss.databases))
		for k, db := range iss.databases {
			quoted[k] = strconv.Quote(db)
		}
		parts = append(parts, "(resource.database in ["+strings.Join(quoted, ", ")+"])")
	}
	if !iss.expiresAt.IsZero() {
		parts = append(parts, `request.time < timestamp("`+iss.expiresAt.UTC().Format("2006-01-02T15:04:05.000Z")+`")`)
	}
	return strings.Join(parts, " && ")
}
