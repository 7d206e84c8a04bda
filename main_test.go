package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var settings = []string{
	"BB_HOST", "BB_SERVICE_ACCOUNT", "BB_SERVICE_KEY", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET",
	"SLACK_CHANNEL", "SLACK_API_URL", "JIT_WEBHOOK_TOKEN", "JIT_HTTP_ADDR", "TEMPORAL_ADDRESS",
	"TEMPORAL_NAMESPACE", "JIT_TASK_QUEUE",
}

// isolate runs a test with no jitflow settings and no .env files.
func isolate(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, k := range settings {
		t.Setenv(k, "")
	}
}

func TestUsageAndVersion(t *testing.T) {
	isolate(t)
	var out, errOut bytes.Buffer
	if code := run(nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "Usage:") {
		t.Errorf("no command: exit %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, stderr %q", code, errOut.String())
	}
	if code := run([]string{"version"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "embedded server 1.32.1") {
		t.Errorf("version: exit %d, stdout %q", code, out.String())
	}
}

func TestBadConfigListsEveryProblemAndExits2(t *testing.T) {
	isolate(t)
	t.Setenv("SLACK_BOT_TOKEN", "xoxp-a-user-token-that-is-secret")
	t.Setenv("JIT_HTTP_ADDR", "nonsense")
	var out, errOut bytes.Buffer
	code := run([]string{"gateway"}, &out, &errOut)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	msg := errOut.String()
	for _, want := range []string{"SLACK_BOT_TOKEN must be a bot token", "SLACK_SIGNING_SECRET is required",
		"JIT_WEBHOOK_TOKEN is required", "JIT_HTTP_ADDR must be host:port", "TEMPORAL_ADDRESS is required"} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "a-user-token-that-is-secret") {
		t.Error("the error message echoes a secret")
	}
}

func TestDevFlags(t *testing.T) {
	isolate(t)
	var out, errOut bytes.Buffer
	if code := run([]string{"dev", "--no-such-flag"}, &out, &errOut); code != 2 {
		t.Errorf("unknown flag: exit %d", code)
	}
	errOut.Reset()
	// Flags parse, then the missing settings stop it before anything starts.
	if code := run([]string{"dev", "--state-dir", t.TempDir(), "--temporal-port", "0", "--ui-port", "0"}, &out, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), "BB_HOST is required") {
		t.Errorf("dev without settings: exit %d, stderr %q", code, errOut.String())
	}
}

func TestPolicyCheck(t *testing.T) {
	isolate(t)
	var out, errOut bytes.Buffer
	code := run([]string{"policy", "check", "internal/policy/testdata/example.yaml", "--project", "project-sample",
		"--database", "instances/prod-sample-instance/databases/hr_prod"}, &out, &errOut)
	// isolate changed the directory: use the repo's file by absolute path instead.
	if code != 2 {
		t.Fatalf("a missing file must exit 2, got %d", code)
	}
	out.Reset()
	errOut.Reset()
	code = run([]string{"policy", "check", repoFile(t, "internal/policy/testdata/example.yaml"), "--project", "project-sample",
		"--database", "instances/prod-sample-instance/databases/hr_prod"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"is valid", "environment          prod", "expire_after         1h0m0s", "from projects.project-sample"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("defaults:\n  expire_after: soon\n  on_expire: nuke\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := run([]string{"policy", "check", bad}, &out, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), "bad.yaml:2: defaults.expire_after") || !strings.Contains(errOut.String(), "bad.yaml:3: defaults.on_expire") {
		t.Errorf("bad file: exit %d, %s", code, errOut.String())
	}
	if code := run([]string{"policy"}, &out, &errOut); code != 2 {
		t.Errorf("no subcommand: exit %d", code)
	}
}

// repoFile is a path in the repository, from before isolate changed directory.
func repoFile(t *testing.T, rel string) string {
	t.Helper()
	return filepath.Join(repoRoot, rel)
}

var repoRoot = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return wd
}()
