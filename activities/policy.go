package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/policy"
)

// RequestPolicy is everything the workflow needs to know about how to treat
// one request. It is computed once, by an activity, so the result is in the
// workflow's history: editing the policy file never changes a running
// request's past.
type RequestPolicy struct {
	policy.Effective
	// Handled is false for issues jitflow was not asked to handle (type not in
	// JIT_ISSUE_TYPES, project not in JIT_PROJECTS); Why says which.
	Handled bool   `json:"handled"`
	Why     string `json:"why,omitempty"`
	// UsergroupID is the escalation user group resolved from its handle.
	UsergroupID    string        `json:"usergroupId,omitempty"`
	ReconcileEvery time.Duration `json:"reconcileEvery"`
}

// RequestPolicy resolves the policy for an issue.
func (a *Activities) RequestPolicy(ctx context.Context, is bytebase.Issue) (RequestPolicy, error) {
	p := a.Policy
	if p == nil {
		p = policy.Builtin()
	}
	rp := RequestPolicy{Effective: p.For(is.Ref.Project, is.Databases), ReconcileEvery: a.ReconcileEvery, Handled: true}
	if rp.Channel == "" {
		rp.Channel = a.Channel
	}
	switch {
	case !typeIn(a.IssueTypes, is.Type):
		rp.Handled, rp.Why = false, fmt.Sprintf("type %s is not in JIT_ISSUE_TYPES", is.Type)
	case len(a.Projects) > 0 && !slices.Contains(a.Projects, is.Ref.Project):
		rp.Handled, rp.Why = false, fmt.Sprintf("project %s is not in JIT_PROJECTS", is.Ref.Project)
	}
	if g := rp.EscalateTo.Usergroup; rp.Handled && g != "" {
		id, err := a.usergroupID(ctx, g)
		if err != nil {
			// Escalation still reaches the channel and users; the group
			// mention is left out rather than failing the request.
			a.log().Warn("resolving the escalation user group failed", "usergroup", g, "error", err)
		}
		rp.UsergroupID = id
	}
	return rp, nil
}

// usergroupID resolves "@db-oncall" (or an ID) to the group's ID.
func (a *Activities) usergroupID(ctx context.Context, group string) (string, error) {
	if !strings.HasPrefix(group, "@") {
		return group, nil
	}
	groups, err := a.Slack.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeDisabled(false))
	if err != nil {
		return "", fmt.Errorf("list user groups: %w", err)
	}
	handle := strings.TrimPrefix(group, "@")
	for _, g := range groups {
		if strings.EqualFold(g.Handle, handle) {
			return g.ID, nil
		}
	}
	return "", fmt.Errorf("no Slack user group with handle %s", group)
}
