// Package bytebase is a small client for the parts of Bytebase's REST API that
// jitflow needs, with decoding that tolerates every API generation from 3.4 on.
package bytebase

import (
	"fmt"
	"strconv"
	"strings"
)

// IssueRef identifies one Bytebase issue.
type IssueRef struct {
	Project string `json:"project"` // "project-sample"
	Number  int64  `json:"number"`  // 123
}

// Name returns the API resource name, "projects/project-sample/issues/123".
func (r IssueRef) Name() string {
	return "projects/" + r.Project + "/issues/" + strconv.FormatInt(r.Number, 10)
}

// String returns the short form used in logs and errors, "project-sample#123".
func (r IssueRef) String() string {
	return r.Project + "#" + strconv.FormatInt(r.Number, 10)
}

// Validate reports whether r can be put into an API path as is.
func (r IssueRef) Validate() error {
	if !validResourceID(r.Project) {
		return fmt.Errorf("invalid project ID %q", r.Project)
	}
	if r.Number <= 0 {
		return fmt.Errorf("invalid issue number %d", r.Number)
	}
	return nil
}

// ParseIssueName parses "projects/{project}/issues/{number}". Bytebase rejects
// title slugs ("...-123") in the API, so only a plain number is accepted.
func ParseIssueName(name string) (IssueRef, error) {
	parts := strings.Split(name, "/")
	if len(parts) != 4 || parts[0] != "projects" || parts[2] != "issues" {
		return IssueRef{}, fmt.Errorf("parse issue name %q: want projects/{project}/issues/{number}", name)
	}
	n, err := parseIssueNumber(parts[3])
	if err != nil {
		return IssueRef{}, fmt.Errorf("parse issue name %q: %w", name, err)
	}
	ref := IssueRef{Project: parts[1], Number: n}
	if err := ref.Validate(); err != nil {
		return IssueRef{}, fmt.Errorf("parse issue name %q: %w", name, err)
	}
	return ref, nil
}

// parseIssueNumber accepts only ASCII digits: strconv alone would also take "+12".
func parseIssueNumber(s string) (int64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("issue number %q is not a number", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("issue number %q out of range", s)
	}
	return n, nil
}

// validResourceID reports whether s looks like a Bytebase resource ID. Bytebase
// IDs are lowercase letters, digits and hyphens; we also allow uppercase and '_'
// for older data, but never anything that would change a URL path.
func validResourceID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
