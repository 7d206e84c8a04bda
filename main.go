// Command jitflow approves or denies just-in-time Bytebase access from Slack.
//
//	jitflow dev       everything in one process, Temporal embedded
//	jitflow worker    the Temporal worker (production)
//	jitflow gateway   the HTTP endpoints (production)
//	jitflow setup     register jitflow's search attributes on the namespace
//	jitflow requests  list requests from Temporal visibility
//	jitflow probe URL health check for images without a shell
//	jitflow version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/jitflow/jitflow/internal/app"
	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/devserver"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

// Exit codes: 2 for bad usage or configuration, 1 for a runtime failure.
const (
	exitFailure = 1
	exitUsage   = 2
)

const usage = `jitflow approves or denies just-in-time Bytebase access from Slack.

Usage:
  jitflow dev [--state-dir DIR] [--temporal-port N] [--ui-port N]
  jitflow worker
  jitflow gateway
  jitflow setup
  jitflow requests [--status pending] [--requester EMAIL] [--approver EMAIL] [--project P] [--limit N]
  jitflow probe URL
  jitflow policy check FILE [--project P] [--database instances/I/databases/D]...
  jitflow version

Settings come from the environment, .env.local and .env (see env-template.local).
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch args[0] {
	case "version":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "dev":
		return runDev(ctx, args[1:], stdout, stderr)
	case "worker":
		return runProcess(ctx, config.RoleWorker, args[1:], stderr, func(cfg config.Config, c client.Client, logger *slog.Logger, ops *app.Ops) error {
			return app.RunWorkerProcess(ctx, c, cfg, logger, ops)
		})
	case "gateway":
		return runProcess(ctx, config.RoleGateway, args[1:], stderr, func(cfg config.Config, c client.Client, logger *slog.Logger, ops *app.Ops) error {
			l, err := net.Listen("tcp", cfg.HTTPAddr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
			}
			return app.RunGateway(ctx, l, c, cfg, logger, ops)
		})
	case "setup":
		if !parseFlags(flag.NewFlagSet("setup", flag.ContinueOnError), args[1:], stderr) {
			return exitUsage
		}
		return runClient(ctx, stderr, func(cfg config.Config, c client.Client) error {
			return app.Setup(ctx, c, cfg.TemporalNamespace, stdout)
		})
	case "requests":
		return runRequests(ctx, args[1:], stdout, stderr)
	case "probe":
		return runProbe(ctx, args[1:], stderr)
	case "policy":
		return runPolicy(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "jitflow: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
}

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stateDir := fs.String("state-dir", ".jitflow", "directory for the embedded Temporal database and the webhook token")
	temporalPort := fs.Int("temporal-port", 7233, "port of the embedded Temporal frontend (gRPC)")
	uiPort := fs.Int("ui-port", 8233, "port of the Temporal Web UI")
	if !parseFlags(fs, args, stderr) {
		return exitUsage
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg, code := loadConfig(config.RoleDev, stderr)
	if code != 0 {
		return code
	}
	err := app.RunDev(ctx, cfg, app.DevOptions{
		StateDir: *stateDir, TemporalPort: *temporalPort, UIPort: *uiPort, Out: stdout,
	}, logger)
	return exitFor(err, logger)
}

func runRequests(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("requests", flag.ContinueOnError)
	var f app.RequestFilter
	fs.StringVar(&f.Status, "status", "", "only requests in this state: pending, approved, denied, expired, decided_in_bytebase, failed")
	fs.StringVar(&f.Requester, "requester", "", "only requests by this email")
	fs.StringVar(&f.Approver, "approver", "", "only requests decided by this email")
	fs.StringVar(&f.Project, "project", "", "only requests in this Bytebase project")
	fs.IntVar(&f.Limit, "limit", 50, "print at most N requests, newest first")
	if !parseFlags(fs, args, stderr) {
		return exitUsage
	}
	if _, err := f.Query(); err != nil {
		fmt.Fprintf(stderr, "jitflow requests: %v\n", err)
		return exitUsage
	}
	return runClient(ctx, stderr, func(_ config.Config, c client.Client) error {
		return app.ListRequests(ctx, c, f, stdout)
	})
}

// runProbe GETs a URL and exits 0 on a 2xx answer: the container health
// check, since the distroless image has no shell and no curl.
func runProbe(ctx context.Context, args []string, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: jitflow probe URL")
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, args[0], nil)
	if err != nil {
		fmt.Fprintf(stderr, "jitflow probe: %v\n", err)
		return exitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "jitflow probe: %v\n", err)
		return exitFailure
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		fmt.Fprintf(stderr, "jitflow probe: %s answered %s\n", args[0], resp.Status)
		return exitFailure
	}
	return 0
}

// parseFlags parses a command's flags; no positional arguments are allowed.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) bool {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "jitflow %s: unexpected arguments %q\n", fs.Name(), fs.Args())
		return false
	}
	return true
}

// runProcess runs a production process (worker or gateway): JSON logs,
// metrics and readiness, and a Temporal client dialled from TEMPORAL_ADDRESS.
func runProcess(ctx context.Context, role config.Role, args []string, stderr io.Writer,
	body func(config.Config, client.Client, *slog.Logger, *app.Ops) error) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "jitflow: unexpected arguments %q\n", args)
		return exitUsage
	}
	cfg, code := loadConfig(role, stderr)
	if code != 0 {
		return code
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	ops, err := app.NewOps(logger)
	if err != nil {
		return exitFor(err, logger)
	}
	defer ops.Close()
	c, err := app.Dial(ctx, cfg.TemporalAddress, cfg.TemporalNamespace, logger, ops.Temporal)
	if err != nil {
		return exitFor(err, logger)
	}
	defer c.Close()
	ops.Watch(cfg, c)
	return exitFor(body(cfg, c, logger, ops), logger)
}

// runClient runs a terminal command against TEMPORAL_ADDRESS. Connecting
// changes nothing on the server; only `setup` does, deliberately.
func runClient(ctx context.Context, stderr io.Writer, body func(config.Config, client.Client) error) int {
	cfg, code := loadConfig(config.RoleClient, stderr)
	if code != 0 {
		return code
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := app.Connect(ctx, cfg.TemporalAddress, cfg.TemporalNamespace, logger, nil)
	if err != nil {
		return exitFor(err, logger)
	}
	defer c.Close()
	return exitFor(body(cfg, c), logger)
}

// loadConfig reads .env.local/.env and validates; every problem is printed
// at once, and the exit code is 2.
func loadConfig(role config.Role, stderr io.Writer) (config.Config, int) {
	if err := config.LoadDotenv(""); err != nil {
		fmt.Fprintf(stderr, "jitflow: %v\n", err)
		return config.Config{}, exitUsage
	}
	cfg, err := config.Load(role, os.LookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "jitflow: %v\n", err)
		return config.Config{}, exitUsage
	}
	return cfg, 0
}

func exitFor(err error, logger *slog.Logger) int {
	if err == nil || errors.Is(err, context.Canceled) {
		return 0
	}
	logger.Error("jitflow stopped", "error", err)
	return exitFailure
}

func versionString() string {
	sdk := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "go.temporal.io/sdk" {
				sdk = d.Version
			}
		}
	}
	return fmt.Sprintf("jitflow %s (temporal sdk %s, embedded server %s)", version, sdk, devserver.ServerVersion)
}
