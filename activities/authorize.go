package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jitflow/jitflow/internal/authz"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/slackui"
)

// AuthorizeInput asks whether a clicker may decide a step.
type AuthorizeInput struct {
	Issue   bytebase.Issue `json:"issue"`
	Step    int            `json:"step"`
	Clicker slackui.Person `json:"clicker"`
}

// AuthorizeResult is the answer; Reason is for the clicker when refused.
type AuthorizeResult struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
}

// Authorize checks a clicker against Bytebase's own rules: they must hold
// the pending step's role in the project or workspace IAM policy (directly
// or through a Bytebase group; expired bindings don't count), and be on
// JIT_APPROVERS when that is set. The policies are read fresh for every
// click: a revoked role stops working at once.
func (a *Activities) Authorize(ctx context.Context, in AuthorizeInput) (AuthorizeResult, error) {
	req := authz.Request{
		Mode:           a.Authz,
		ClickerEmail:   in.Clicker.Email,
		ClickerSlackID: in.Clicker.SlackID,
		Requester:      in.Issue.Requester,
		Step:           in.Step,
		StepRole:       in.Issue.StepRole(in.Step),
	}
	if req.Mode == "" {
		req.Mode = authz.ModeBytebase
	}
	if len(a.Approvers) > 0 {
		allow, err := a.allowlist(ctx)
		if err != nil {
			return AuthorizeResult{}, err
		}
		req.Allowlist = allow
	}
	if req.Mode == authz.ModeBytebase {
		if err := a.loadHolders(ctx, in.Issue.Ref.Project, &req); err != nil {
			return AuthorizeResult{}, err
		}
	}
	ok, reason := authz.Check(req)
	return AuthorizeResult{Allowed: ok, Reason: reason}, nil
}

// loadHolders reads who holds the step's role, and the members of the
// groups that hold it unless the clicker holds it directly.
func (a *Activities) loadHolders(ctx context.Context, project string, req *authz.Request) error {
	pp, err := a.Bytebase.ProjectIAMPolicy(ctx, project)
	if err != nil {
		return bytebaseFailure(fmt.Errorf("project IAM policy of %s: %w", project, err))
	}
	wp, err := a.Bytebase.WorkspaceIAMPolicy(ctx)
	if err != nil {
		return bytebaseFailure(fmt.Errorf("workspace IAM policy: %w", err))
	}
	req.Holders = authz.RoleHolders(req.StepRole, time.Now(), pp, wp)
	req.GroupMembers = map[string][]string{}
	for _, g := range req.Holders.Groups {
		members, err := a.Bytebase.GroupMembers(ctx, g)
		switch {
		case errors.Is(err, bytebase.ErrNotFound), errors.Is(err, bytebase.ErrPermissionDenied):
			// A group this Bytebase doesn't show us (older version, no
			// permission) grants nothing: fail closed, and say so.
			a.log().Warn("a Bytebase group can't be read; its members are not counted", "group", g, "error", err)
			continue
		case err != nil:
			// A passing failure must not refuse a real approver: retry.
			return bytebaseFailure(fmt.Errorf("members of group %s: %w", g, err))
		}
		req.GroupMembers[g] = members
	}
	return nil
}

// allowlist resolves JIT_APPROVERS to Slack user IDs (user groups expanded).
func (a *Activities) allowlist(ctx context.Context) (*authz.Allowlist, error) {
	allow := &authz.Allowlist{}
	for _, entry := range a.Approvers {
		if !strings.HasPrefix(entry, "@") {
			allow.UserIDs = append(allow.UserIDs, entry)
			continue
		}
		id, err := a.usergroupID(ctx, entry)
		if err != nil {
			return nil, slackFailure(fmt.Errorf("JIT_APPROVERS %s: %w", entry, err))
		}
		members, err := a.Slack.GetUserGroupMembersContext(ctx, id)
		if err != nil {
			return nil, slackFailure(fmt.Errorf("members of %s: %w", entry, err))
		}
		allow.UserIDs = append(allow.UserIDs, members...)
	}
	return allow, nil
}
