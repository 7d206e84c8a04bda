package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func validDev() map[string]string {
	return map[string]string{
		"BB_HOST":              "https://bytebase.example.com/",
		"BB_SERVICE_ACCOUNT":   "jit-bot@service.bytebase.com",
		"BB_SERVICE_KEY":       "bbs_supersecretkey",
		"SLACK_BOT_TOKEN":      "xoxb-123-456-secret",
		"SLACK_SIGNING_SECRET": "signing-secret-value",
		"SLACK_CHANNEL":        "C0DBACCESS",
	}
}

func TestLoadDevDefaults(t *testing.T) {
	c, err := Load(RoleDev, env(validDev()))
	if err != nil {
		t.Fatal(err)
	}
	if c.BytebaseURL != "https://bytebase.example.com" {
		t.Errorf("BytebaseURL = %q, want trailing slash trimmed", c.BytebaseURL)
	}
	if c.SlackAPIURL != DefaultSlackAPIURL || c.HTTPAddr != ":3000" || c.TaskQueue != "jitflow" || c.TemporalNamespace != "default" {
		t.Errorf("defaults not applied: %+v", c)
	}
	if c.TemporalAddress != "" {
		t.Errorf("dev must embed Temporal when TEMPORAL_ADDRESS is unset")
	}
}

func TestLoadListsEveryProblem(t *testing.T) {
	_, err := Load(RoleGateway, env(map[string]string{
		"SLACK_BOT_TOKEN":   "xoxp-user-token",
		"SLACK_API_URL":     "ftp://nope",
		"JIT_HTTP_ADDR":     "3000",
		"JIT_WEBHOOK_TOKEN": "short",
		"TEMPORAL_ADDRESS":  "no-port",
	}))
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("err = %v, want Problems", err)
	}
	want := []string{
		"SLACK_BOT_TOKEN must be a bot token",
		"SLACK_API_URL must be an http(s) URL",
		"SLACK_API_URL must end with /",
		"SLACK_SIGNING_SECRET is required",
		"JIT_WEBHOOK_TOKEN must be at least 16",
		"JIT_HTTP_ADDR must be host:port",
		"TEMPORAL_ADDRESS must be host:port",
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing problem %q in:\n%s", w, msg)
		}
	}
	if len(p) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(p), len(want), msg)
	}
}

func TestLoadRequiredPerRole(t *testing.T) {
	cases := []struct {
		role Role
		want []string
	}{
		{RoleDev, []string{"BB_HOST", "BB_SERVICE_ACCOUNT", "BB_SERVICE_KEY", "SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_SIGNING_SECRET"}},
		{RoleWorker, []string{"BB_HOST", "BB_SERVICE_ACCOUNT", "BB_SERVICE_KEY", "SLACK_BOT_TOKEN", "SLACK_CHANNEL", "TEMPORAL_ADDRESS"}},
		{RoleGateway, []string{"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "JIT_WEBHOOK_TOKEN", "TEMPORAL_ADDRESS"}},
		{RoleClient, []string{"TEMPORAL_ADDRESS"}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.role), func(t *testing.T) {
			_, err := Load(tc.role, env(nil))
			var p Problems
			if !errors.As(err, &p) {
				t.Fatalf("err = %v", err)
			}
			if len(p) != len(tc.want) {
				t.Errorf("got %d problems, want %d: %v", len(p), len(tc.want), p)
			}
			for _, k := range tc.want {
				if !strings.Contains(err.Error(), k) {
					t.Errorf("problem for %s missing: %v", k, err)
				}
			}
		})
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	m := validDev()
	m["JIT_WEBHOOK_TOKEN"] = "webhook-token-0123456789"
	c, err := Load(RoleDev, env(m))
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, c)
		for _, secret := range []string{"bbs_supersecretkey", "xoxb-123-456-secret", "signing-secret-value", "webhook-token-0123456789"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s of Config leaks %q: %s", format, secret, out)
			}
		}
	}
	if c.BytebaseServiceKey.Reveal() != "bbs_supersecretkey" {
		t.Error("Reveal must return the value")
	}
	// A bad value that is a secret is named, not echoed.
	m["SLACK_BOT_TOKEN"] = "xoxp-leaky-user-token"
	_, err = Load(RoleDev, env(m))
	if err == nil || strings.Contains(err.Error(), "leaky") {
		t.Errorf("err = %v: must name the key without echoing the value", err)
	}
}

func TestLoadDotenvPrecedence(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(".env.local", "JITFLOW_T_A=local\nJITFLOW_T_B=local\n")
	write(".env", "JITFLOW_T_A=dotenv\nJITFLOW_T_B=dotenv\nJITFLOW_T_C=dotenv\n")
	t.Setenv("JITFLOW_T_A", "real")
	for _, k := range []string{"JITFLOW_T_B", "JITFLOW_T_C"} {
		k := k
		t.Cleanup(func() { os.Unsetenv(k) })
	}
	if err := LoadDotenv(dir); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"JITFLOW_T_A": "real", "JITFLOW_T_B": "local", "JITFLOW_T_C": "dotenv"} {
		if got := os.Getenv(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if err := LoadDotenv(t.TempDir()); err != nil {
		t.Errorf("missing files must be fine: %v", err)
	}
}

func TestWorkerSettings(t *testing.T) {
	c, err := Load(RoleDev, env(validDev()))
	if err != nil {
		t.Fatal(err)
	}
	if c.PollInterval != 30*time.Second || c.ReconcileInterval != time.Minute || c.Authz != AuthzBytebase ||
		strings.Join(c.IssueTypes, ",") != "ROLE_GRANT,GRANT_REQUEST,ACCESS_GRANT" || c.Projects != nil {
		t.Errorf("defaults: %+v", c)
	}

	m := validDev()
	m["JIT_POLL_INTERVAL"] = "0"
	m["JIT_ISSUE_TYPES"] = "ROLE_GRANT, DATABASE_CHANGE"
	m["JIT_PROJECTS"] = "hr,, payroll "
	m["JIT_APPROVERS"] = "U0LEAD01,@db-oncall"
	m["JIT_AUTHZ"] = "allowlist"
	c, err = Load(RoleWorker, env(withTemporal(m)))
	if err != nil {
		t.Fatal(err)
	}
	if c.PollInterval != 0 || strings.Join(c.IssueTypes, ",") != "ROLE_GRANT,DATABASE_CHANGE" ||
		strings.Join(c.Projects, ",") != "hr,payroll" || strings.Join(c.Approvers, ",") != "U0LEAD01,@db-oncall" || c.Authz != AuthzAllowlist {
		t.Errorf("parsed: %+v", c)
	}

	m = validDev()
	m["JIT_POLL_INTERVAL"] = "soon"
	m["JIT_RECONCILE_INTERVAL"] = "10ms"
	m["JIT_ISSUE_TYPES"] = "ROLE_GRANT,BOGUS"
	m["JIT_APPROVERS"] = "alice"
	m["JIT_AUTHZ"] = "everyone"
	_, err = Load(RoleDev, env(m))
	var p Problems
	if !errors.As(err, &p) || len(p) != 5 {
		t.Fatalf("want 5 problems, got %v", err)
	}
	for _, want := range []string{"JIT_POLL_INTERVAL must be a duration", "JIT_RECONCILE_INTERVAL must be at least 1s",
		`unknown type "BOGUS"`, `JIT_APPROVERS entry "alice"`, "JIT_AUTHZ must be bytebase or allowlist"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	m = validDev()
	m["JIT_AUTHZ"] = "allowlist"
	if _, err := Load(RoleDev, env(m)); err == nil || !strings.Contains(err.Error(), "needs JIT_APPROVERS") {
		t.Errorf("allowlist without approvers: %v", err)
	}
}

func withTemporal(m map[string]string) map[string]string {
	m["TEMPORAL_ADDRESS"] = "temporal:7233"
	return m
}

func TestPolicyProblemsJoinTheList(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(file, []byte("defaults:\n  remind_after: soon\n  colour: red\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := validDev()
	m["JIT_POLICY_FILE"] = file
	m["SLACK_CHANNEL"] = "general"
	_, err := Load(RoleDev, env(m))
	var p Problems
	if !errors.As(err, &p) || len(p) != 3 {
		t.Fatalf("want 3 problems (channel + 2 in the policy), got %v", err)
	}
	for _, want := range []string{"policy.yaml:2: defaults.remind_after", "policy.yaml:3: defaults.colour: unknown key", "SLACK_CHANNEL must be a channel ID"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	m["JIT_POLICY_FILE"] = filepath.Join(dir, "missing.yaml")
	m["SLACK_CHANNEL"] = "C0DBACCESS"
	if _, err := Load(RoleDev, env(m)); err == nil || !strings.Contains(err.Error(), "JIT_POLICY_FILE: read policy") {
		t.Errorf("missing file: %v", err)
	}
	delete(m, "JIT_POLICY_FILE")
	c, err := Load(RoleDev, env(m))
	if err != nil || c.Policy == nil || c.Policy.Source != "built-in" {
		t.Errorf("no file: %v, %+v", err, c.Policy)
	}
}

func TestGatewayBytebaseIsAllOrNothing(t *testing.T) {
	gw := map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "JIT_WEBHOOK_TOKEN": "0123456789abcdef", "TEMPORAL_ADDRESS": "t:7233",
	}
	c, err := Load(RoleGateway, env(gw))
	if err != nil || c.BytebaseURL != "" {
		t.Fatalf("without BB_*: %+v, %v", c, err)
	}
	gw["BB_HOST"] = "https://bb.example.com"
	_, err = Load(RoleGateway, env(gw))
	if err == nil || !strings.Contains(err.Error(), "BB_SERVICE_ACCOUNT is required") || !strings.Contains(err.Error(), "BB_SERVICE_KEY is required") {
		t.Fatalf("BB_HOST alone: %v", err)
	}
	gw["BB_SERVICE_ACCOUNT"], gw["BB_SERVICE_KEY"] = "jit-bot@service.bytebase.com", "k"
	if c, err = Load(RoleGateway, env(gw)); err != nil || c.BytebaseURL != "https://bb.example.com" {
		t.Fatalf("all three: %+v, %v", c, err)
	}
}

func TestWorkerCacheSize(t *testing.T) {
	for _, role := range []Role{RoleDev, RoleWorker} {
		m := withTemporal(validDev())
		c, err := Load(role, env(m))
		if err != nil || c.WorkerCacheSize != 0 {
			t.Fatalf("role %d unset: %d %v, want 0 (the SDK's default)", role, c.WorkerCacheSize, err)
		}
		m["JIT_WORKER_CACHE_SIZE"] = " 2000 "
		if c, err := Load(role, env(m)); err != nil || c.WorkerCacheSize != 2000 {
			t.Fatalf("role %d set: %d %v", role, c.WorkerCacheSize, err)
		}
	}
	for _, bad := range []string{"abc", "0", "-5", "1.5", "10k", "99999999999999999999"} {
		m := withTemporal(validDev())
		m["JIT_WORKER_CACHE_SIZE"] = bad
		m["JIT_RECONCILE_INTERVAL"] = "10ms" // reported together
		_, err := Load(RoleWorker, env(m))
		var p Problems
		if !errors.As(err, &p) || len(p) != 2 {
			t.Fatalf("%q: want 2 problems, got %v", bad, err)
		}
		want := fmt.Sprintf("JIT_WORKER_CACHE_SIZE must be a whole number of at least 1, got %q", bad)
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q: missing %q in %v", bad, want, err)
		}
	}
	// Only processes that run workers read it.
	gw := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "JIT_WEBHOOK_TOKEN": "0123456789abcdef",
		"TEMPORAL_ADDRESS": "temporal:7233", "JIT_WORKER_CACHE_SIZE": "abc"}
	if c, err := Load(RoleGateway, env(gw)); err != nil || c.WorkerCacheSize != 0 {
		t.Errorf("gateway: %d %v", c.WorkerCacheSize, err)
	}
}
