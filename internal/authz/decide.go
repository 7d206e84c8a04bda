package authz

import (
	"fmt"
	"slices"
	"strings"
)

// Modes of JIT_AUTHZ.
const (
	ModeBytebase  = "bytebase"  // hold the step's role in Bytebase (and pass the allowlist, if any)
	ModeAllowlist = "allowlist" // the allowlist alone decides: weaker, opt-in
)

// Allowlist is JIT_APPROVERS resolved to Slack user IDs.
type Allowlist struct {
	UserIDs []string
}

// Request is everything needed to decide whether a clicker may decide a
// step. It is plain data so the rule is tested without any I/O.
type Request struct {
	Mode           string
	ClickerEmail   string
	ClickerSlackID string
	Requester      string
	Step           int
	StepRole       string
	Holders        Holders
	// GroupMembers are the member emails of the groups in Holders.Groups
	// that could be read; a group missing here grants nothing.
	GroupMembers map[string][]string
	// Allowlist is nil when JIT_APPROVERS is not set.
	Allowlist *Allowlist
}

// Check says whether the clicker may decide, and if not, why, in words the
// clicker sees. The requester never may, whatever the configuration.
func Check(r Request) (bool, string) {
	email := strings.ToLower(strings.TrimSpace(r.ClickerEmail))
	switch {
	case email == "":
		return false, "Your Slack profile shows no email, so jitflow cannot match you to Bytebase."
	case strings.EqualFold(email, strings.TrimSpace(r.Requester)):
		return false, "You requested this access, so someone else must decide."
	}
	if r.Allowlist != nil && !slices.Contains(r.Allowlist.UserIDs, r.ClickerSlackID) {
		return false, "You are not one of the approvers configured for jitflow (JIT_APPROVERS)."
	}
	if r.Mode == ModeAllowlist {
		if r.Allowlist == nil {
			return false, "No approvers are configured for jitflow (JIT_APPROVERS)."
		}
		return true, ""
	}
	if slices.Contains(r.Holders.Users, email) {
		return true, ""
	}
	for _, g := range r.Holders.Groups {
		if slices.Contains(r.GroupMembers[g], email) {
			return true, ""
		}
	}
	return false, fmt.Sprintf("You don't hold %s in Bytebase, which step %d needs.", r.StepRole, r.Step)
}
