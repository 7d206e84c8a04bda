// Package authz answers "who may decide this step?" from Bytebase's own IAM
// policies, so a Slack click can never widen what Bytebase would allow.
package authz

import (
	"slices"
	"strings"
	"time"

	"github.com/jitflow/jitflow/internal/bytebase"
)

// Holders are the members holding a role, by kind.
type Holders struct {
	Users  []string // emails, lower-cased
	Groups []string // group emails, lower-cased
}

// RoleHolders returns who holds role in the given policies (project and
// workspace). A binding whose condition has expired at now does not count;
// one whose condition can't be read counts as not granting (fail closed).
// Service accounts never count: a human must decide.
func RoleHolders(role string, now time.Time, policies ...bytebase.IAMPolicy) Holders {
	var h Holders
	for _, p := range policies {
		for _, b := range p.Bindings {
			if b.Role != role || !active(b, now) {
				continue
			}
			for _, m := range b.Members {
				kind, email, ok := strings.Cut(m, ":")
				if !ok {
					continue
				}
				email = strings.ToLower(strings.TrimSpace(email))
				switch kind {
				case "user":
					h.Users = appendNew(h.Users, email)
				case "group":
					h.Groups = appendNew(h.Groups, email)
				}
			}
		}
	}
	return h
}

// active reports whether a binding's condition still grants at now.
func active(b bytebase.Binding, now time.Time) bool {
	if b.Condition == nil || strings.TrimSpace(b.Condition.Expression) == "" {
		return true
	}
	c, err := bytebase.ParseCondition(b.Condition.Expression)
	if err != nil {
		return false
	}
	return c.ExpiresAt.IsZero() || now.Before(c.ExpiresAt)
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
