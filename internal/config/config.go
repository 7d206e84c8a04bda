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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"github.com/jitflow/jitflow/internal/policy"
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
	MetricsAddr  string // JIT_METRICS_ADDR: the worker's /metrics, /healthz, /readyz; empty: off

	TemporalAddress   string // empty in dev: embed a server
	TemporalNamespace string
	TaskQueue         string

	// Worker behaviour.
	PolicyFile        string         // JIT_POLICY_FILE; empty: built-in defaults
	Policy            *policy.Policy // parsed and validated PolicyFile
	PollInterval      time.Duration  // JIT_POLL_INTERVAL; 0 disables the poller
	IssueTypes        []string       // JIT_ISSUE_TYPES
	Projects          []string       // JIT_PROJECTS; empty: every project
	ReconcileInterval time.Duration  // JIT_RECONCILE_INTERVAL
	// WorkerCacheSize is JIT_WORKER_CACHE_SIZE: how many workflows the
	// process keeps in the SDK's sticky cache between tasks; 0: the SDK's
	// default (10,000).
	WorkerCacheSize int

	// Who may decide.
	Approvers []string // JIT_APPROVERS: Slack user IDs and/or @usergroup handles
	Authz     string   // JIT_AUTHZ: "bytebase" (default) or "allowlist"
}

// Defaults for optional settings.
const (
	DefaultSlackAPIURL = "https://slack.com/api/"
	DefaultHTTPAddr    = ":3000"
	DefaultNamespace   = "default"
	DefaultTaskQueue   = "jitflow"

	DefaultPollInterval      = 30 * time.Second
	DefaultReconcileInterval = time.Minute

	AuthzBytebase  = "bytebase"  // a clicker must hold the pending step's role in Bytebase
	AuthzAllowlist = "allowlist" // JIT_APPROVERS alone decides (weaker)
)

// DefaultIssueTypes are role requests (both spellings) and JIT access grants.
var DefaultIssueTypes = []string{"ROLE_GRANT", "GRANT_REQUEST", "ACCESS_GRANT"}

// knownIssueTypes are the issue types Bytebase has had.
var knownIssueTypes = []string{"ROLE_GRANT", "GRANT_REQUEST", "ACCESS_GRANT", "DATABASE_CHANGE"}

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
	// The gateway may have read-only use of Bytebase (to name a request in
	// its workflow's summary): all three settings, or none.
	withBytebase := needsBytebase || (role == RoleGateway && r.anySet("BB_HOST", "BB_SERVICE_ACCOUNT", "BB_SERVICE_KEY"))

	if withBytebase {
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
	if needsBytebase {
		c.PolicyFile = r.opt("JIT_POLICY_FILE", "")
		c.Policy = r.policy(c.PolicyFile)
		c.PollInterval = r.duration("JIT_POLL_INTERVAL", DefaultPollInterval, 0)
		c.ReconcileInterval = r.duration("JIT_RECONCILE_INTERVAL", DefaultReconcileInterval, time.Second)
		c.WorkerCacheSize = r.positive("JIT_WORKER_CACHE_SIZE")
		c.IssueTypes = r.list("JIT_ISSUE_TYPES", DefaultIssueTypes)
		if len(c.IssueTypes) == 0 {
			r.problem("JIT_ISSUE_TYPES lists no issue types")
		}
		for _, t := range c.IssueTypes {
			if !slices.Contains(knownIssueTypes, t) {
				r.problem(fmt.Sprintf("JIT_ISSUE_TYPES has unknown type %q (known: %s)", t, strings.Join(knownIssueTypes, ", ")))
			}
		}
		c.Projects = r.list("JIT_PROJECTS", nil)
		c.Approvers = r.list("JIT_APPROVERS", nil)
		for _, a := range c.Approvers {
			if !isUserID(a) && !strings.HasPrefix(a, "@") {
				r.problem(fmt.Sprintf("JIT_APPROVERS entry %q is neither a Slack user ID (U0123ABCD) nor a user-group handle (@db-oncall)", a))
			}
		}
		c.Authz = r.opt("JIT_AUTHZ", AuthzBytebase)
		switch c.Authz {
		case AuthzBytebase:
		case AuthzAllowlist:
			if len(c.Approvers) == 0 {
				r.problem("JIT_AUTHZ=allowlist needs JIT_APPROVERS")
			}
		default:
			r.problem(fmt.Sprintf("JIT_AUTHZ must be %s or %s, got %q", AuthzBytebase, AuthzAllowlist, c.Authz))
		}
	}
	if role == RoleWorker {
		c.MetricsAddr = r.opt("JIT_METRICS_ADDR", "")
		if _, _, err := net.SplitHostPort(c.MetricsAddr); c.MetricsAddr != "" && err != nil {
			r.problem(fmt.Sprintf("JIT_METRICS_ADDR must be host:port or :port, got %q", c.MetricsAddr))
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

// Keys is every setting Load reads for any role, for checks of deployment
// files (compose, manifests) against the real contract.
func Keys() []string {
	seen := map[string]bool{}
	for _, role := range []Role{RoleDev, RoleWorker, RoleGateway, RoleClient} {
		_, _ = Load(role, func(k string) (string, bool) { seen[k] = true; return "", false })
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
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

// anySet reports whether any of keys has a value.
func (r *reader) anySet(keys ...string) bool {
	for _, k := range keys {
		if r.opt(k, "") != "" {
			return true
		}
	}
	return false
}

// duration parses a Go duration (90s, 15m, 2h); below min is a problem.
func (r *reader) duration(key string, def, min time.Duration) time.Duration {
	v := r.opt(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.problem(fmt.Sprintf("%s must be a duration such as 30s, 5m or 1h, got %q", key, v))
		return def
	}
	if d < min || d < 0 {
		r.problem(fmt.Sprintf("%s must be at least %s, got %s", key, min, d))
	}
	return d
}

// positive parses a whole number of at least 1; unset is 0.
func (r *reader) positive(key string) int {
	v := r.opt(key, "")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		r.problem(fmt.Sprintf("%s must be a whole number of at least 1, got %q", key, v))
		return 0
	}
	return n
}

// policy loads the policy file; its problems join the others.
func (r *reader) policy(file string) *policy.Policy {
	p, err := policy.Load(file)
	var problems policy.Problems
	switch {
	case errors.As(err, &problems):
		for _, pr := range problems {
			r.problem("JIT_POLICY_FILE " + pr)
		}
		return nil
	case err != nil:
		r.problem(fmt.Sprintf("JIT_POLICY_FILE: %v", err))
		return nil
	}
	return p
}

// list splits a comma-separated setting, dropping blanks.
func (r *reader) list(key string, def []string) []string {
	v := r.opt(key, "")
	if v == "" {
		return slices.Clone(def)
	}
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func isUserID(s string) bool {
	return len(s) >= 3 && (s[0] == 'U' || s[0] == 'W') && isUpperAlnum(s)
}

func isChannelID(s string) bool {
	return len(s) >= 3 && (s[0] == 'C' || s[0] == 'G') && isUpperAlnum(s)
}

func isUpperAlnum(s string) bool {
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
