// Package config turns the environment (and .env.local / .env) into a
// validated Config. Every problem is reported at once, so an operator fixes a
// deployment in one pass instead of one restart per typo.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/joho/godotenv"
)

// Role is the process being configured; each needs a different subset of
// settings (the gateway never needs Bytebase credentials, for example).
type Role int

const (
	RoleDev     Role = iota // everything in one process, Temporal embedded unless TEMPORAL_ADDRESS is set
	RoleWorker              // workflows and activities
	RoleGateway             // HTTP endpoints
	RoleClient              // CLI commands that only talk to Temporal
)

// Config is the whole validated configuration. Fields holding secrets are of
// type Secret so that printing a Config never leaks them.
type Config struct {
	BytebaseURL            string
	BytebaseServiceAccount string
	BytebaseServiceKey     Secret

	SlackBotToken      Secret
	SlackSigningSecret Secret
	SlackChannel       string
	SlackAPIURL        string

	WebhookToken Secret
	HTTPAddr     string

	TemporalAddress   string // empty in dev: embed a server
	TemporalNamespace string
	TaskQueue         string
}

// Defaults for optional settings.
const (
	DefaultSlackAPIURL = "https://slack.com/api/"
	DefaultHTTPAddr    = ":3000"
	DefaultNamespace   = "default"
	DefaultTaskQueue   = "jitflow"
)

// Secret is a string that formats as "[redacted]"; Reveal returns the value.
type Secret string

func (s Secret) String() string   { return redact(s) }
func (s Secret) GoString() string { return redact(s) }
func (s Secret) Reveal() string   { return string(s) }

func redact(s Secret) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// LoadDotenv reads .env.local then .env from dir into the process
// environment. Variables already set win (godotenv never overrides), and
// .env.local wins over .env because it is read first. Missing files are fine.
func LoadDotenv(dir string) error {
	for _, name := range []string{".env.local", ".env"} {
		path := name
		if dir != "" {
			path = dir + string(os.PathSeparator) + name
		}
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := godotenv.Load(path); err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
	}
	return nil
}

// Problems is every validation failure found, in a stable order.
type Problems []string

func (p Problems) Error() string {
	return fmt.Sprintf("invalid configuration (%d problem(s)):\n  - %s", len(p), strings.Join(p, "\n  - "))
}

// Load reads and validates the settings the given role needs. lookup is
// os.LookupEnv in production and a map in tests. On failure the error is a
// Problems listing everything wrong.
func Load(role Role, lookup func(string) (string, bool)) (Config, error) {
	r := reader{lookup: lookup}
	c := Config{
		SlackAPIURL:       r.opt("SLACK_API_URL", DefaultSlackAPIURL),
		HTTPAddr:          r.opt("JIT_HTTP_ADDR", DefaultHTTPAddr),
		TemporalAddress:   r.opt("TEMPORAL_ADDRESS", ""),
		TemporalNamespace: r.opt("TEMPORAL_NAMESPACE", DefaultNamespace),
		TaskQueue:         r.opt("JIT_TASK_QUEUE", DefaultTaskQueue),
	}
	needsBytebase := role == RoleDev || role == RoleWorker
	needsSlackAPI := role != RoleClient
	needsGateway := role == RoleDev || role == RoleGateway

	if needsBytebase {
		c.BytebaseURL = strings.TrimRight(r.req("BB_HOST"), "/")
		c.BytebaseServiceAccount = r.req("BB_SERVICE_ACCOUNT")
		c.BytebaseServiceKey = Secret(r.req("BB_SERVICE_KEY"))
		r.checkURL("BB_HOST", c.BytebaseURL)
		if c.BytebaseServiceAccount != "" && !strings.Contains(c.BytebaseServiceAccount, "@") {
			r.problem("BB_SERVICE_ACCOUNT must be the service account's email (e.g. jit-bot@service.bytebase.com)")
		}
	}
	if needsSlackAPI {
		c.SlackBotToken = Secret(r.req("SLACK_BOT_TOKEN"))
		if t := c.SlackBotToken.Reveal(); t != "" && !strings.HasPrefix(t, "xoxb-") {
			r.problem("SLACK_BOT_TOKEN must be a bot token (starts with xoxb-)")
		}
		r.checkURL("SLACK_API_URL", c.SlackAPIURL)
		if !strings.HasSuffix(c.SlackAPIURL, "/") {
			r.problem("SLACK_API_URL must end with / (e.g. https://slack.com/api/)")
		}
	}
	if needsBytebase {
		c.SlackChannel = r.req("SLACK_CHANNEL")
		if ch := c.SlackChannel; ch != "" && !isChannelID(ch) {
			r.problem(fmt.Sprintf("SLACK_CHANNEL must be a channel ID such as C0123ABCD, not %q", ch))
		}
	}
	if needsGateway {
		c.SlackSigningSecret = Secret(r.req("SLACK_SIGNING_SECRET"))
		c.WebhookToken = Secret(r.opt("JIT_WEBHOOK_TOKEN", ""))
		if role == RoleGateway && c.WebhookToken == "" {
			r.problem("JIT_WEBHOOK_TOKEN is required (the secret Bytebase puts on the webhook URL as ?token=)")
		}
		if t := c.WebhookToken.Reveal(); t != "" && len(t) < 16 {
			r.problem("JIT_WEBHOOK_TOKEN must be at least 16 characters")
		}
		if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
			r.problem(fmt.Sprintf("JIT_HTTP_ADDR must be host:port or :port, got %q", c.HTTPAddr))
		}
	}
	if role != RoleDev && c.TemporalAddress == "" {
		r.problem("TEMPORAL_ADDRESS is required (host:port of the Temporal frontend)")
	}
	if a := c.TemporalAddress; a != "" {
		if _, _, err := net.SplitHostPort(a); err != nil {
			r.problem(fmt.Sprintf("TEMPORAL_ADDRESS must be host:port, got %q", a))
		}
	}
	if len(r.problems) > 0 {
		return Config{}, r.problems
	}
	return c, nil
}

type reader struct {
	lookup   func(string) (string, bool)
	problems Problems
}

func (r *reader) problem(p string) { r.problems = append(r.problems, p) }

func (r *reader) opt(key, def string) string {
	if v, ok := r.lookup(key); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

func (r *reader) req(key string) string {
	v := r.opt(key, "")
	if v == "" {
		r.problem(key + " is required")
	}
	return v
}

func (r *reader) checkURL(key, v string) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.problem(fmt.Sprintf("%s must be an http(s) URL, got %q", key, v))
	}
}

func isChannelID(s string) bool {
	if len(s) < 9 || (s[0] != 'C' && s[0] != 'G') {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
