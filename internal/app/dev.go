package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/devserver"
	"github.com/jitflow/jitflow/workflows"
)

// DevOptions configure `jitflow dev`.
type DevOptions struct {
	StateDir     string // SQLite file, generated webhook token
	TemporalPort int    // 0: any free port
	UIPort       int    // 0: no Web UI
	// Listener for the gateway; nil listens on cfg.HTTPAddr.
	Listener net.Listener
	// Out receives the start-up banner.
	Out io.Writer
	// OnReady, if set, is called once everything serves.
	OnReady func(DevInfo)
}

// DevInfo is where the pieces of a running dev instance are.
type DevInfo struct {
	GatewayURL      string
	TemporalAddress string
	UIURL           string
	WebhookURL      string // includes the token
	InteractURL     string
}

// RunDev runs the embedded Temporal server (unless TEMPORAL_ADDRESS is set),
// the worker and the gateway in one process until ctx is done. A later run on
// the same state dir resumes every pending request.
func RunDev(ctx context.Context, cfg config.Config, opts DevOptions, logger *slog.Logger) error {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if cfg.WebhookToken == "" {
		tok, err := devWebhookToken(opts.StateDir)
		if err != nil {
			return err
		}
		cfg.WebhookToken = config.Secret(tok)
	}

	address := cfg.TemporalAddress
	info := DevInfo{}
	if address == "" {
		srv, err := devserver.Start(ctx, devserver.Options{
			StateDir:         opts.StateDir,
			Port:             opts.TemporalPort,
			UIPort:           opts.UIPort,
			Namespace:        cfg.TemporalNamespace,
			SearchAttributes: workflows.SearchAttributes(),
			Logger:           logger,
			// One partition per task queue makes the Slack queues' rate
			// limits exact (a limit is split over partitions); one process
			// gains nothing from more.
			TaskQueuePartitions: 1,
		})
		if err != nil {
			return fmt.Errorf("embedded Temporal: %w", err)
		}
		defer func() {
			if err := srv.Stop(); err != nil {
				logger.Warn("stopping the embedded Temporal server", "error", err)
			}
		}()
		address, info.UIURL = srv.Address(), srv.UIURL()
	}
	info.TemporalAddress = address

	// Worker and gateway share the process, so they share one /metrics.
	ops, err := NewOps(logger)
	if err != nil {
		return err
	}
	defer ops.Close()
	c, err := Dial(ctx, address, cfg.TemporalNamespace, logger, ops.Temporal)
	if err != nil {
		return err
	}
	defer c.Close()
	ops.Watch(cfg, c)

	l := opts.Listener
	if l == nil {
		if l, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
			return fmt.Errorf("gateway address %s: %w", cfg.HTTPAddr, err)
		}
	}
	info.GatewayURL = "http://" + displayAddr(l.Addr())
	info.WebhookURL = info.GatewayURL + "/api/bytebase/webhook?token=" + cfg.WebhookToken.Reveal()
	info.InteractURL = info.GatewayURL + "/api/slack/interact"

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return RunWorker(gctx, c, cfg, logger) })
	g.Go(func() error { return RunGateway(gctx, l, c, cfg, logger, ops) })
	printBanner(opts.Out, info)
	if opts.OnReady != nil {
		opts.OnReady(info)
	}
	return g.Wait()
}

func printBanner(w io.Writer, in DevInfo) {
	ui := in.UIURL
	if ui == "" {
		ui = "(external Temporal at " + in.TemporalAddress + ")"
	}
	fmt.Fprintf(w, `
jitflow dev is running.
  Gateway           %s  (also /metrics, /healthz, /readyz)
  Temporal          %s
  Temporal Web UI   %s

Point Bytebase at (Project → Webhooks, Bytebase ≤ 3.11.0; later versions are polled):
  %s
Point Slack at (App → Interactivity & Shortcuts → Request URL, via a public tunnel):
  %s

Ctrl-C stops; the next start resumes every pending request.
`, in.GatewayURL, in.TemporalAddress, ui, in.WebhookURL, in.InteractURL)
}

// devWebhookToken returns the token kept in the state dir, creating one on
// first start, so the URL pasted into Bytebase keeps working across restarts.
func devWebhookToken(stateDir string) (string, error) {
	if stateDir == "" {
		return randomToken()
	}
	path := filepath.Join(stateDir, "webhook-token")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 16 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read webhook token: %w", err)
	}
	tok, err := randomToken()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return "", fmt.Errorf("state dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("save webhook token: %w", err)
	}
	return tok, nil
}

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate webhook token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// displayAddr turns ":3000" / "[::]:3000" into "localhost:3000".
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
