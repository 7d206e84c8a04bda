package policy

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, name string) *Policy {
	t.Helper()
	p, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExampleFile(t *testing.T) {
	p := load(t, "testdata/example.yaml")
	hr := []string{"instances/prod-sample-instance/databases/hr_prod"}

	e := p.For("project-sample", hr)
	if e.Channel != "C0DBACCESS" || e.RemindAfter != 15*time.Minute || e.EscalateAfter != 10*time.Minute ||
		e.ExpireAfter != time.Hour || e.OnExpire != OnExpireReject || e.ApprovalMode != ModeSlack || !e.RequireDenyReason {
		t.Errorf("project-sample on prod: %+v", e)
	}
	if e.Environment != "prod" || e.From["escalate_after"] != "environments.prod" || e.From["expire_after"] != "projects.project-sample" {
		t.Errorf("environment %q, from %v", e.Environment, e.From)
	}
	if e.EscalateTo.Channel != "C0ONCALL" || e.EscalateTo.Usergroup != "@db-oncall" || len(e.EscalateTo.Users) != 1 {
		t.Errorf("escalate_to = %+v", e.EscalateTo)
	}

	e = p.For("payroll", []string{"instances/test-sample-instance/databases/payroll"})
	if e.Channel != "C0PAYROLL" || e.OnExpire != OnExpireRejectAndCancel || e.EscalateAfter != 30*time.Minute || e.Environment != "" {
		t.Errorf("payroll on test: %+v", e)
	}
	e = p.For("other", []string{"instances/card-vault/databases/pan"})
	if e.ApprovalMode != ModeNotifyOnly || e.Environment != "pci" {
		t.Errorf("card-vault: %+v", e)
	}
}

func TestProjectWinsOverEnvironmentWinsOverDefaults(t *testing.T) {
	p, err := Parse("p.yaml", []byte(`
defaults: {expire_after: 4h, escalate_after: 1h}
environments:
  prod: {expire_after: 3h}
  prod2: {match: ["prod-*"], expire_after: 2h}
projects:
  x: {expire_after: 90m}
`))
	if err != nil {
		t.Fatal(err)
	}
	db := []string{"instances/prod-a/databases/d"}
	if got := p.For("y", db).ExpireAfter; got != 2*time.Hour {
		t.Errorf("later environment in file order must win: %s", got)
	}
	if got := p.For("x", db).ExpireAfter; got != 90*time.Minute {
		t.Errorf("project must win: %s", got)
	}
	if got := p.For("y", []string{"instances/dev-a/databases/d"}).ExpireAfter; got != 4*time.Hour {
		t.Errorf("defaults: %s", got)
	}
}

func TestBuiltin(t *testing.T) {
	e := load(t, "").For("any", nil)
	if e.RemindAfter != 15*time.Minute || e.EscalateAfter != 30*time.Minute || e.ExpireAfter != 2*time.Hour ||
		e.OnExpire != OnExpireReject || e.ApprovalMode != ModeSlack || !e.RequireDenyReason || e.Channel != "" {
		t.Errorf("built-in = %+v", e)
	}
	if e.From["expire_after"] != "built-in" {
		t.Errorf("from = %v", e.From)
	}
}

func TestInvalidFiles(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string // each must appear; the count must match
	}{
		{"not yaml", "defaults: [", []string{"p.yaml:1: not valid YAML"}},
		{"root not a mapping", "- a\n- b\n", []string{"p.yaml:1: must be a mapping"}},
		{"unknown top-level key", "default:\n  remind_after: 1m\n", []string{"p.yaml:1: default: unknown key"}},
		{"every bad value", `
defaults:
  channel: "#db-access"
  remind_after: soon
  escalate_after: -5m
  expire_after: 2h
  on_expire: delete
  approval_mode: email
  require_deny_reason: "yes"
  escalate_to: {channel: oncall, usergroup: db-oncall, users: [alice], pager: x}
  colour: red
`, []string{
			`p.yaml:3: defaults.channel: must be a channel ID such as C0123ABCD, got "#db-access"`,
			`p.yaml:4: defaults.remind_after: must be a duration such as 90s, 15m or 2h, got "soon"`,
			`p.yaml:5: defaults.escalate_after: must not be negative`,
			`p.yaml:7: defaults.on_expire: must be reject or reject_and_cancel, got "delete"`,
			`p.yaml:8: defaults.approval_mode: must be slack or notify_only, got "email"`,
			`p.yaml:9: defaults.require_deny_reason: must be true or false`,
			`p.yaml:10: defaults.escalate_to.channel: must be a channel ID`,
			`p.yaml:10: defaults.escalate_to.usergroup: must be a user-group handle`,
			`p.yaml:10: defaults.escalate_to.users: "alice" is not a Slack user ID`,
			`p.yaml:10: defaults.escalate_to.pager: unknown key`,
			`p.yaml:11: defaults.colour: unknown key`,
		}},
		{"duplicate key", "defaults:\n  remind_after: 1m\n  remind_after: 2m\n", []string{`p.yaml:3: not valid YAML: mapping key "remind_after" already defined`}},
		{"match outside environments", "projects:\n  x: {match: [a]}\n", []string{"p.yaml:2: projects.x.match: match is only allowed in environments"}},
		{"bad glob", "environments:\n  prod: {match: [\"[\"]}\n", []string{`environments.prod.match: "[" is not a valid pattern`}},
		{"escalation after expiry", "defaults: {escalate_after: 3h, expire_after: 2h}\n", []string{"defaults: escalate_after (3h0m0s) must be before expire_after (2h0m0s)"}},
		{"escalation after project expiry", "projects:\n  x: {expire_after: 20m}\n", []string{"projects.x: escalate_after (30m0s) must be before expire_after (20m0s)"}},
		{"escalate_to empty", "defaults:\n  escalate_to: {}\n", []string{"defaults.escalate_to: names nobody"}},
		{"scope not a mapping", "projects:\n  x: 5\n", []string{"p.yaml:2: projects.x: must be a mapping"}},
		{"two documents", "defaults: {}\n---\ndefaults: {}\n", []string{"only one YAML document"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tc.yaml))
			var p Problems
			if !errors.As(err, &p) {
				t.Fatalf("err = %v, want Problems", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("missing %q in:\n%s", w, err)
				}
			}
			if len(p) != len(tc.want) {
				t.Errorf("%d problems, want %d:\n%s", len(p), len(tc.want), err)
			}
		})
	}
}

func TestEmptyFileIsDefaults(t *testing.T) {
	p, err := Parse("empty.yaml", []byte("# nothing yet\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.For("x", nil).ExpireAfter != 2*time.Hour {
		t.Error("an empty file must mean built-in defaults")
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/nope.yaml")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v", err)
	}
}

func TestDescribe(t *testing.T) {
	var b strings.Builder
	load(t, "testdata/example.yaml").For("project-sample", []string{"instances/prod-sample-instance/databases/hr_prod"}).Describe(&b)
	out := b.String()
	for _, want := range []string{
		"environment          prod",
		"expire_after         1h0m0s",
		"from projects.project-sample",
		"escalate_after       10m0s",
		"from environments.prod",
		"channel C0ONCALL, group @db-oncall, users U0LEAD",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestChannels(t *testing.T) {
	p := load(t, "testdata/example.yaml")
	if got, want := p.Channels(), []string{"C0DBACCESS", "C0ONCALL", "C0PAYROLL"}; !slices.Equal(got, want) {
		t.Errorf("example channels = %v, want %v", got, want)
	}
	p, err := Parse("p.yaml", []byte(`
defaults: {channel: C0B}
environments:
  prod: {channel: C0A, escalate_to: {channel: C0B}}
projects:
  x: {escalate_to: {channel: G0PRIV}}
  y: {channel: C0A}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Channels(), []string{"C0A", "C0B", "G0PRIV"}; !slices.Equal(got, want) {
		t.Errorf("channels = %v, want %v (sorted, deduplicated, escalation channels included)", got, want)
	}
	if got := Builtin().Channels(); len(got) != 0 {
		t.Errorf("built-in policy names channels %v", got)
	}
}
