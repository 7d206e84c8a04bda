package policy

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Describe writes the effective policy, one setting per line with the scope
// it came from, as `jitflow policy check` prints it.
func (e Effective) Describe(w io.Writer) {
	env := e.Environment
	if env == "" {
		env = "(none matched)"
	}
	fmt.Fprintf(w, "environment          %s\n", env)
	for _, k := range keys {
		fmt.Fprintf(w, "%-20s %-40s from %s\n", k, e.value(k), e.From[k])
	}
}

func (e Effective) value(key string) string {
	switch key {
	case "channel":
		if e.Channel == "" {
			return "SLACK_CHANNEL"
		}
		return e.Channel
	case "remind_after":
		return never(e.RemindAfter)
	case "escalate_after":
		return never(e.EscalateAfter)
	case "expire_after":
		return never(e.ExpireAfter)
	case "escalate_to":
		if e.EscalateTo.IsZero() {
			return "nobody (thread reply only)"
		}
		var parts []string
		if e.EscalateTo.Channel != "" {
			parts = append(parts, "channel "+e.EscalateTo.Channel)
		}
		if e.EscalateTo.Usergroup != "" {
			parts = append(parts, "group "+e.EscalateTo.Usergroup)
		}
		if len(e.EscalateTo.Users) > 0 {
			parts = append(parts, "users "+strings.Join(e.EscalateTo.Users, ","))
		}
		return strings.Join(parts, ", ")
	case "on_expire":
		return e.OnExpire
	case "approval_mode":
		return e.ApprovalMode
	case "require_deny_reason":
		return fmt.Sprint(e.RequireDenyReason)
	}
	return ""
}

func never(d time.Duration) string {
	if d == 0 {
		return "never"
	}
	return d.String()
}
