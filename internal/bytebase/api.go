package bytebase

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// GetIssue reads an issue, bypassing Bytebase's cache.
func (c *Client) GetIssue(ctx context.Context, ref IssueRef) (Issue, error) {
	iss, err := c.issueCall(ctx, http.MethodGet, ref, "", url.Values{"force": {"true"}}, nil)
	if err != nil {
		return Issue{}, fmt.Errorf("get issue %s: %w", ref, err)
	}
	return iss, nil
}

// commentBody is the body of :approve, :reject and :comment.
type commentBody struct {
	Comment string `json:"comment"`
}

// Approve approves the pending step as the service account. The comment
// should name the human who decided, since Bytebase records the account.
func (c *Client) Approve(ctx context.Context, ref IssueRef, comment string) (Issue, error) {
	iss, err := c.issueCall(ctx, http.MethodPost, ref, ":approve", nil, commentBody{comment})
	if err != nil {
		return Issue{}, fmt.Errorf("approve %s: %w", ref, err)
	}
	return iss, nil
}

// Reject sends the issue back to its creator. The issue stays OPEN.
func (c *Client) Reject(ctx context.Context, ref IssueRef, comment string) (Issue, error) {
	iss, err := c.issueCall(ctx, http.MethodPost, ref, ":reject", nil, commentBody{comment})
	if err != nil {
		return Issue{}, fmt.Errorf("reject %s: %w", ref, err)
	}
	return iss, nil
}

// Comment adds a comment to the issue's timeline.
func (c *Client) Comment(ctx context.Context, ref IssueRef, comment string) error {
	if err := ref.Validate(); err != nil {
		return fmt.Errorf("comment on %s: %w", ref, err)
	}
	if err := c.call(ctx, http.MethodPost, issuePath(ref)+":comment", nil, commentBody{comment}, nil); err != nil {
		return fmt.Errorf("comment on %s: %w", ref, err)
	}
	return nil
}

// Cancel sets the issue CANCELED with reason as its timeline comment.
func (c *Client) Cancel(ctx context.Context, ref IssueRef, reason string) error {
	if err := ref.Validate(); err != nil {
		return fmt.Errorf("cancel %s: %w", ref, err)
	}
	body := struct {
		Issues []string `json:"issues"`
		Status string   `json:"status"`
		Reason string   `json:"reason,omitempty"`
	}{[]string{ref.Name()}, StatusCanceled, reason}
	path := "/v1/projects/" + url.PathEscape(ref.Project) + "/issues:batchUpdateStatus"
	if err := c.call(ctx, http.MethodPost, path, nil, body, nil); err != nil {
		return fmt.Errorf("cancel %s: %w", ref, err)
	}
	return nil
}

// issueCall validates ref, calls {issue}{verb} and decodes the returned issue.
func (c *Client) issueCall(ctx context.Context, method string, ref IssueRef, verb string, query url.Values, in any) (Issue, error) {
	if err := ref.Validate(); err != nil {
		return Issue{}, err
	}
	var raw json.RawMessage
	if err := c.call(ctx, method, issuePath(ref)+verb, query, in, &raw); err != nil {
		return Issue{}, err
	}
	return DecodeIssue(raw, c.linkBase)
}

func issuePath(ref IssueRef) string {
	return fmt.Sprintf("/v1/projects/%s/issues/%d", url.PathEscape(ref.Project), ref.Number)
}

// SearchPage is one page of search results.
type SearchPage struct {
	Issues        []Issue
	NextPageToken string // "" on the last page
}

// SearchIssues runs issues:search in project ("-" for every project the
// account can read), newest first. filter is Bytebase's CEL subset, for
// example `status == "OPEN" && approval_status == "PENDING"`.
//
// An issue that does not decode is logged and left out, so that one odd issue
// cannot stop the poller from seeing all the others.
func (c *Client) SearchIssues(ctx context.Context, project, filter string, pageSize int, pageToken string) (SearchPage, error) {
	if project != "-" && !validResourceID(project) {
		return SearchPage{}, fmt.Errorf("search issues: invalid project ID %q", project)
	}
	body := struct {
		Filter    string `json:"filter,omitempty"`
		PageSize  int    `json:"pageSize,omitempty"`
		PageToken string `json:"pageToken,omitempty"`
		OrderBy   string `json:"orderBy"`
	}{filter, pageSize, pageToken, "create_time desc"}
	var resp struct {
		Issues        []json.RawMessage `json:"issues"`
		NextPageToken string            `json:"nextPageToken"`
	}
	path := "/v1/projects/" + url.PathEscape(project) + "/issues:search"
	if err := c.call(ctx, http.MethodPost, path, nil, body, &resp); err != nil {
		return SearchPage{}, fmt.Errorf("search issues in %s: %w", project, err)
	}
	page := SearchPage{NextPageToken: resp.NextPageToken}
	for _, raw := range resp.Issues {
		iss, err := DecodeIssue(raw, c.linkBase)
		if err != nil {
			c.log.WarnContext(ctx, "bytebase search: skipping issue", "project", project, "error", err)
			continue
		}
		page.Issues = append(page.Issues, iss)
	}
	return page, nil
}

// IAMPolicy is a project's or the workspace's role bindings.
type IAMPolicy struct {
	Bindings []Binding `json:"bindings"`
	Etag     string    `json:"etag"`
}

// Binding grants Role to Members ("user:a@x", "group:g@x", "serviceAccount:s@x"),
// subject to Condition when set.
type Binding struct {
	Role      string   `json:"role"`
	Members   []string `json:"members"`
	Condition *Expr    `json:"condition,omitempty"`
}

// Expr is a CEL condition on a binding.
type Expr struct {
	Expression  string `json:"expression"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

// ProjectIAMPolicy returns the project's IAM policy.
func (c *Client) ProjectIAMPolicy(ctx context.Context, project string) (IAMPolicy, error) {
	if !validResourceID(project) {
		return IAMPolicy{}, fmt.Errorf("get IAM policy of project %q: invalid project ID", project)
	}
	var p IAMPolicy
	if err := c.call(ctx, http.MethodGet, "/v1/projects/"+url.PathEscape(project)+":getIamPolicy", nil, nil, &p); err != nil {
		return IAMPolicy{}, fmt.Errorf("get IAM policy of project %s: %w", project, err)
	}
	return p, nil
}

// WorkspaceIAMPolicy returns the IAM policy of the account's workspace.
func (c *Client) WorkspaceIAMPolicy(ctx context.Context) (IAMPolicy, error) {
	var p IAMPolicy
	if err := c.call(ctx, http.MethodGet, "/v1/workspaces/-:getIamPolicy", nil, nil, &p); err != nil {
		return IAMPolicy{}, fmt.Errorf("get workspace IAM policy: %w", err)
	}
	return p, nil
}

// GroupMembers returns the member emails of a Bytebase user group
// (GET /v1/groups/{email}; members are "users/<email>").
func (c *Client) GroupMembers(ctx context.Context, group string) ([]string, error) {
	if group == "" || strings.ContainsAny(group, "/?#") {
		return nil, fmt.Errorf("get group %q: invalid group email", group)
	}
	var g struct {
		Members []struct {
			Member string `json:"member"`
		} `json:"members"`
	}
	if err := c.call(ctx, http.MethodGet, "/v1/groups/"+url.PathEscape(group), nil, nil, &g); err != nil {
		return nil, fmt.Errorf("get group %s: %w", group, err)
	}
	members := make([]string, 0, len(g.Members))
	for _, m := range g.Members {
		if email, ok := strings.CutPrefix(m.Member, "users/"); ok {
			members = append(members, strings.ToLower(email))
		}
	}
	return members, nil
}
