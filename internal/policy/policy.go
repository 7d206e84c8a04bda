// Package policy decides how long a request may wait and who hears about
// it: channels, reminders, escalation, expiry, approval mode and deny
// reasons, per Bytebase project and environment. The policy file is YAML;
// every problem in it is reported with file, line and key.
package policy

import (
	"path"
	"slices"
	"strings"
	"time"
)

// Expiry actions and approval modes, as written in the file.
const (
	OnExpireReject          = "reject"
	OnExpireRejectAndCancel = "reject_and_cancel"
	ModeSlack               = "slack"
	ModeNotifyOnly          = "notify_only"
)

// Escalation says who hears about a request that waited too long.
type Escalation struct {
	Channel   string   `json:"channel,omitempty"`   // channel ID
	Usergroup string   `json:"usergroup,omitempty"` // "@db-oncall" or a usergroup ID (S…)
	Users     []string `json:"users,omitempty"`     // Slack user IDs
}

// IsZero reports whether there is nobody to escalate to.
func (e Escalation) IsZero() bool { return e.Channel == "" && e.Usergroup == "" && len(e.Users) == 0 }

// Rules is one scope of the file; nil fields are not set there and inherit.
type Rules struct {
	Channel           *string
	RemindAfter       *time.Duration
	EscalateAfter     *time.Duration
	EscalateTo        *Escalation
	ExpireAfter       *time.Duration
	OnExpire          *string
	ApprovalMode      *string
	RequireDenyReason *bool
}

// Environment is a named scope that applies to requests whose databases are
// on matching instances.
type Environment struct {
	Name  string
	Match []string // instance-name globs (path.Match syntax)
	Rules Rules
}

// Policy is a parsed, validated policy file.
type Policy struct {
	Source       string // file name, or "built-in"
	Defaults     Rules
	Projects     map[string]Rules
	Environments []Environment // file order: later entries win over earlier ones
}

// Effective is the policy for one request, every field decided.
type Effective struct {
	Channel           string        `json:"channel,omitempty"` // empty: SLACK_CHANNEL
	RemindAfter       time.Duration `json:"remindAfter"`       // 0: never
	EscalateAfter     time.Duration `json:"escalateAfter"`     // 0: never
	EscalateTo        Escalation    `json:"escalateTo"`
	ExpireAfter       time.Duration `json:"expireAfter"` // 0: never
	OnExpire          string        `json:"onExpire"`
	ApprovalMode      string        `json:"approvalMode"`
	RequireDenyReason bool          `json:"requireDenyReason"`
	Environment       string        `json:"environment,omitempty"`
	// From names the scope each setting came from, for `jitflow policy check`.
	From map[string]string `json:"-"`
}

// builtin is what applies where no file says otherwise.
var builtin = Effective{
	RemindAfter:       15 * time.Minute,
	EscalateAfter:     30 * time.Minute,
	ExpireAfter:       2 * time.Hour,
	OnExpire:          OnExpireReject,
	ApprovalMode:      ModeSlack,
	RequireDenyReason: true,
}

// Builtin is the policy used when JIT_POLICY_FILE is not set.
func Builtin() *Policy { return &Policy{Source: "built-in", Projects: map[string]Rules{}} }

// For computes the effective policy of a request in project touching
// databases ("instances/<instance>/databases/<db>"). Precedence, lowest
// first: built-in, defaults, matching environments in file order, the
// project. The most specific scope wins.
func (p *Policy) For(project string, databases []string) Effective {
	e := builtin
	e.From = map[string]string{}
	for _, k := range keys {
		e.From[k] = "built-in"
	}
	e.apply(p.Defaults, "defaults")
	if env := p.environment(databases); env != nil {
		e.Environment = env.Name
		e.apply(env.Rules, "environments."+env.Name)
	}
	if r, ok := p.Projects[project]; ok {
		e.apply(r, "projects."+project)
	}
	return e
}

// environment is the last environment in file order matching any of the
// request's instances, or nil.
func (p *Policy) environment(databases []string) *Environment {
	var found *Environment
	for i := range p.Environments {
		env := &p.Environments[i]
		for _, db := range databases {
			if env.matches(instanceOf(db)) {
				found = env
				break
			}
		}
	}
	return found
}

// matches reports whether an instance belongs to the environment. Without
// explicit match globs, instances named "<env>-…" or "…-<env>" do, which
// fits Bytebase's own naming (prod-sample-instance).
func (env *Environment) matches(instance string) bool {
	if instance == "" {
		return false
	}
	globs := env.Match
	if len(globs) == 0 {
		globs = []string{env.Name + "-*", "*-" + env.Name}
	}
	return slices.ContainsFunc(globs, func(g string) bool {
		ok, err := path.Match(g, instance)
		return err == nil && ok
	})
}

func instanceOf(database string) string {
	parts := strings.Split(database, "/")
	if len(parts) >= 2 && parts[0] == "instances" {
		return parts[1]
	}
	return ""
}

// keys are the scope settings, in the order `policy check` prints them.
var keys = []string{"channel", "remind_after", "escalate_after", "escalate_to", "expire_after", "on_expire", "approval_mode", "require_deny_reason"}

func (e *Effective) apply(r Rules, scope string) {
	set(e, "channel", &e.Channel, r.Channel, scope)
	set(e, "remind_after", &e.RemindAfter, r.RemindAfter, scope)
	set(e, "escalate_after", &e.EscalateAfter, r.EscalateAfter, scope)
	set(e, "escalate_to", &e.EscalateTo, r.EscalateTo, scope)
	set(e, "expire_after", &e.ExpireAfter, r.ExpireAfter, scope)
	set(e, "on_expire", &e.OnExpire, r.OnExpire, scope)
	set(e, "approval_mode", &e.ApprovalMode, r.ApprovalMode, scope)
	set(e, "require_deny_reason", &e.RequireDenyReason, r.RequireDenyReason, scope)
}

// set copies a setting the scope has (non-nil) and notes where it came from.
func set[T any](e *Effective, key string, dst *T, src *T, scope string) {
	if src != nil {
		*dst = *src
		e.From[key] = scope
	}
}

// Channels lists every channel the policy posts to (cards and escalations),
// sorted and without duplicates. The worker polls one rate-limited Slack task
// queue per channel, so it must know them all up front.
func (p *Policy) Channels() []string {
	if p == nil {
		return nil
	}
	var out []string
	add := func(r Rules) {
		if r.Channel != nil && *r.Channel != "" {
			out = append(out, *r.Channel)
		}
		if r.EscalateTo != nil && r.EscalateTo.Channel != "" {
			out = append(out, r.EscalateTo.Channel)
		}
	}
	add(p.Defaults)
	for _, r := range p.Projects {
		add(r)
	}
	for _, env := range p.Environments {
		add(env.Rules)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
