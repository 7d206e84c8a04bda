package policy

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Problems lists every problem found in a policy file.
type Problems []string

func (p Problems) Error() string {
	return fmt.Sprintf("invalid policy (%d problem(s)):\n  - %s", len(p), strings.Join(p, "\n  - "))
}

// Load reads the policy file at path; an empty path means the built-in policy.
func Load(file string) (*Policy, error) {
	if file == "" {
		return Builtin(), nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	return Parse(file, data)
}

// Parse validates and decodes a policy file. name is used in messages.
// On failure the error is a Problems naming file, line and key of each.
func Parse(name string, data []byte) (*Policy, error) {
	d := decoder{file: name}
	p := &Policy{Source: name, Projects: map[string]Rules{}}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, Problems{syntaxProblem(name, err)}
	}
	if len(f.Docs) > 1 {
		d.problem(f.Docs[1].Body, "", "only one YAML document is allowed")
	}
	if len(f.Docs) > 0 && f.Docs[0].Body != nil {
		root, ok := d.mapping(f.Docs[0].Body, "")
		if ok {
			d.decodeRoot(root, p)
		}
	}
	d.checkEffective(p)
	if len(d.problems) > 0 {
		return nil, d.problems
	}
	return p, nil
}

type decoder struct {
	file     string
	problems Problems
}

func (d *decoder) problem(n ast.Node, key, msg string) {
	line := 0
	if n != nil && n.GetToken() != nil {
		line = n.GetToken().Position.Line
	}
	where := d.file
	if line > 0 {
		where = fmt.Sprintf("%s:%d", d.file, line)
	}
	if key != "" {
		where += ": " + key
	}
	d.problems = append(d.problems, where+": "+msg)
}

// entry is one key of a mapping, with its value node.
type entry struct {
	key   string
	node  ast.Node // the key, for positions
	value ast.Node
}

// mapping returns the entries of a mapping node, reporting duplicates.
func (d *decoder) mapping(n ast.Node, key string) ([]entry, bool) {
	if n == nil || n.Type() == ast.NullType {
		return nil, true
	}
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		d.problem(n, key, "must be a mapping of keys to values")
		return nil, false
	}
	seen := map[string]bool{}
	var out []entry
	for _, mv := range values {
		k := strings.TrimSpace(mv.Key.GetToken().Value)
		if seen[k] {
			d.problem(mv.Key, join(key, k), "is set twice")
			continue
		}
		seen[k] = true
		out = append(out, entry{key: k, node: mv.Key, value: mv.Value})
	}
	return out, true
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func (d *decoder) decodeRoot(root []entry, p *Policy) {
	for _, e := range root {
		switch e.key {
		case "defaults":
			p.Defaults = d.rules(e, "defaults", false, nil)
		case "projects":
			scopes, _ := d.mapping(e.value, "projects")
			for _, s := range scopes {
				if s.key == "" {
					d.problem(s.node, "projects", "project ID must not be empty")
					continue
				}
				p.Projects[s.key] = d.rules(s, "projects."+s.key, false, nil)
			}
		case "environments":
			scopes, _ := d.mapping(e.value, "environments")
			for _, s := range scopes {
				env := Environment{Name: s.key}
				env.Rules = d.rules(s, "environments."+s.key, true, &env.Match)
				p.Environments = append(p.Environments, env)
			}
		default:
			d.problem(e.node, e.key, "unknown key (expected defaults, projects or environments)")
		}
	}
}

// rules decodes one scope. match receives an environment's "match" globs.
func (d *decoder) rules(scope entry, prefix string, isEnv bool, match *[]string) Rules {
	var r Rules
	entries, _ := d.mapping(scope.value, prefix)
	for _, e := range entries {
		key := join(prefix, e.key)
		switch e.key {
		case "channel":
			if v, ok := d.channel(e, key); ok {
				r.Channel = &v
			}
		case "remind_after":
			r.RemindAfter = d.duration(e, key)
		case "escalate_after":
			r.EscalateAfter = d.duration(e, key)
		case "expire_after":
			r.ExpireAfter = d.duration(e, key)
		case "escalate_to":
			r.EscalateTo = d.escalation(e, key)
		case "on_expire":
			r.OnExpire = d.oneOf(e, key, OnExpireReject, OnExpireRejectAndCancel)
		case "approval_mode":
			r.ApprovalMode = d.oneOf(e, key, ModeSlack, ModeNotifyOnly)
		case "require_deny_reason":
			if b, ok := e.value.(*ast.BoolNode); ok {
				v := b.Value
				r.RequireDenyReason = &v
			} else {
				d.problem(e.value, key, "must be true or false")
			}
		case "match":
			if !isEnv {
				d.problem(e.node, key, "match is only allowed in environments")
				continue
			}
			*match = d.globs(e, key)
		default:
			expected := strings.Join(keys, ", ")
			if isEnv {
				expected += ", match"
			}
			d.problem(e.node, key, "unknown key (expected "+expected+")")
		}
	}
	return r
}

// str reads a scalar as a string.
func (d *decoder) str(e entry, key string) (string, bool) {
	switch v := e.value.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return v.GetToken().Value, true
	}
	d.problem(e.value, key, "must be a single value")
	return "", false
}

// channel reads a channel ID (a name such as #db-access is a problem: the
// API needs IDs).
func (d *decoder) channel(e entry, key string) (string, bool) {
	v, ok := d.str(e, key)
	if ok && !isChannelID(v) {
		d.problem(e.value, key, fmt.Sprintf("must be a channel ID such as C0123ABCD, got %q", v))
	}
	return v, ok
}

func (d *decoder) duration(e entry, key string) *time.Duration {
	s, ok := d.str(e, key)
	if !ok {
		return nil
	}
	v, err := time.ParseDuration(s)
	switch {
	case err != nil:
		d.problem(e.value, key, fmt.Sprintf("must be a duration such as 90s, 15m or 2h, got %q", s))
		return nil
	case v < 0:
		d.problem(e.value, key, fmt.Sprintf("must not be negative, got %s", v))
		return nil
	}
	return &v
}

func (d *decoder) oneOf(e entry, key string, allowed ...string) *string {
	s, ok := d.str(e, key)
	if !ok {
		return nil
	}
	for _, a := range allowed {
		if s == a {
			return &s
		}
	}
	d.problem(e.value, key, fmt.Sprintf("must be %s, got %q", strings.Join(allowed, " or "), s))
	return nil
}

func (d *decoder) list(e entry, key string) []string {
	if s, ok := e.value.(*ast.StringNode); ok { // a single value is a list of one
		return []string{s.Value}
	}
	seq, ok := e.value.(*ast.SequenceNode)
	if !ok {
		d.problem(e.value, key, "must be a list")
		return nil
	}
	var out []string
	for _, item := range seq.Values {
		if s, ok := d.str(entry{value: item}, key); ok {
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) globs(e entry, key string) []string {
	globs := d.list(e, key)
	for _, g := range globs {
		if _, err := path.Match(g, ""); err != nil {
			d.problem(e.value, key, fmt.Sprintf("%q is not a valid pattern", g))
		}
	}
	return globs
}

func (d *decoder) escalation(e entry, key string) *Escalation {
	entries, ok := d.mapping(e.value, key)
	if !ok {
		return nil
	}
	var esc Escalation
	for _, f := range entries {
		fk := join(key, f.key)
		switch f.key {
		case "channel":
			esc.Channel, _ = d.channel(f, fk)
		case "usergroup":
			if v, ok := d.str(f, fk); ok {
				if !strings.HasPrefix(v, "@") && !isID(v, 'S') {
					d.problem(f.value, fk, fmt.Sprintf("must be a user-group handle such as @db-oncall or an ID such as S0123ABCD, got %q", v))
				}
				esc.Usergroup = v
			}
		case "users":
			for _, u := range d.list(f, fk) {
				if !isID(u, 'U') && !isID(u, 'W') {
					d.problem(f.value, fk, fmt.Sprintf("%q is not a Slack user ID such as U0123ABCD", u))
				}
				esc.Users = append(esc.Users, u)
			}
		default:
			d.problem(f.node, fk, "unknown key (expected channel, usergroup, users)")
		}
	}
	if esc.IsZero() {
		d.problem(e.value, key, "names nobody: set channel, usergroup and/or users")
	}
	return &esc
}

// checkEffective catches settings that are each valid but make no sense
// together, in every scope a request can end up in.
func (d *decoder) checkEffective(p *Policy) {
	check := func(scope string, e Effective) {
		if e.ExpireAfter > 0 && e.EscalateAfter >= e.ExpireAfter {
			d.problems = append(d.problems, fmt.Sprintf("%s: %s: escalate_after (%s) must be before expire_after (%s), or escalation never happens",
				d.file, scope, e.EscalateAfter, e.ExpireAfter))
		}
	}
	check("defaults", p.For("", nil))
	for _, env := range p.Environments {
		check("environments."+env.Name, p.forEnvironment(env))
	}
	for name := range p.Projects {
		check("projects."+name, p.For(name, nil))
	}
}

// forEnvironment is For with the environment applied unconditionally.
func (p *Policy) forEnvironment(env Environment) Effective {
	e := p.For("", nil)
	e.apply(env.Rules, "environments."+env.Name)
	e.Environment = env.Name
	return e
}

func isChannelID(s string) bool { return isID(s, 'C') || isID(s, 'G') }

// isID reports whether s looks like a Slack ID with the given prefix.
func isID(s string, prefix byte) bool {
	if len(s) < 3 || s[0] != prefix {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// syntaxError is how go-yaml reports where parsing failed.
type syntaxError interface {
	GetMessage() string
	GetToken() *token.Token
}

func syntaxProblem(file string, err error) string {
	var se syntaxError
	if errors.As(err, &se) && se.GetToken() != nil {
		return fmt.Sprintf("%s:%d: not valid YAML: %s", file, se.GetToken().Position.Line, se.GetMessage())
	}
	return fmt.Sprintf("%s: not valid YAML: %s", file, oneLine(err.Error()))
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
