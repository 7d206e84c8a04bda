// Package devserver runs a complete Temporal server (SQLite, in memory or in a
// file) and optionally its Web UI inside the current process. `jitflow dev`
// uses it for the one-command local start and the integration tests use it in
// memory mode, so both exercise a real server rather than a simulation.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

// ServerVersion is the embedded server's version. A SQLite file is not
// migrated across server versions, so it is stamped next to the database.
const ServerVersion = "1.32.1"

const (
	clusterName = "active"
	dbFileName  = "temporal.db"
	stampName   = "temporal-server.version"
)

// Options configure an embedded server. The zero value is an in-memory server
// on free loopback ports, without UI, with namespace "default".
type Options struct {
	// StateDir holds the SQLite file. Empty means in memory (lost on Stop).
	StateDir string
	// Host to bind to; default 127.0.0.1.
	Host string
	// Port of the frontend gRPC service; 0 picks a free port.
	Port int
	// UIPort starts the Temporal Web UI on that port when > 0.
	UIPort int
	// Namespace to create (and keep) on start; default "default".
	Namespace string
	// Retention of closed workflows in Namespace; default 30 days.
	Retention time.Duration
	// SearchAttributes are registered on every start (idempotent).
	SearchAttributes map[string]enumspb.IndexedValueType
	// LogLevel of the server's own logs: debug, info, warn, error (default).
	LogLevel string
	// Logger receives devserver's own messages; default slog.Default().
	Logger *slog.Logger
	// TaskQueuePartitions sets every task queue's partition count when > 0
	// (the server's default is 4). The server splits a queue's rate limit
	// evenly over its partitions, each allowing a burst of one, so with one
	// partition a TaskQueueActivitiesPerSecond limit is exact.
	TaskQueuePartitions int
}

// Server is a running embedded Temporal server.
type Server struct {
	opts     Options
	server   temporal.Server
	ui       *uiServer
	address  string
	logger   *serverLogger
	stopOnce bool
}

// Start brings up the server, creates the namespace, raises its retention and
// registers the search attributes. It returns once the frontend answers.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts = withDefaults(opts)
	if err := checkUIPort(opts); err != nil {
		return nil, err
	}
	sqlCfg, err := prepareStore(opts)
	if err != nil {
		return nil, err
	}
	cfg, address, err := serverConfig(opts, sqlCfg)
	if err != nil {
		return nil, err
	}

	nsCfg, err := sqlite.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("namespace config: %w", err)
	}
	if err := sqlite.CreateNamespaces(sqlCfg, nsCfg); err != nil {
		return nil, fmt.Errorf("create namespace %s: %w", opts.Namespace, err)
	}

	logger := newServerLogger(opts.Logger, opts.LogLevel)
	authorizer, err := authorization.GetAuthorizerFromConfig(&cfg.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&cfg.Global.Authorization, logger)
	if err != nil {
		return nil, fmt.Errorf("claim mapper: %w", err)
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dynamicConfig(opts)),
	)
	if err != nil {
		return nil, fmt.Errorf("create temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start temporal server: %w", err)
	}
	s := &Server{opts: opts, server: srv, address: address, logger: logger}
	if err := s.configureNamespace(ctx); err != nil {
		_ = srv.Stop()
		return nil, err
	}
	logger.stopping.Store(false)
	if opts.UIPort > 0 {
		s.ui = startUI(opts.Host, opts.UIPort, address, opts.Namespace, opts.Logger)
	}
	return s, nil
}

// Address is the frontend's host:port for SDK clients.
func (s *Server) Address() string { return s.address }

// Namespace is the namespace the server was started with.
func (s *Server) Namespace() string { return s.opts.Namespace }

// UIURL is the Web UI's URL, or "" when the UI is off.
func (s *Server) UIURL() string {
	if s.ui == nil {
		return ""
	}
	return "http://" + net.JoinHostPort(s.opts.Host, strconv.Itoa(s.opts.UIPort))
}

// Stop shuts the UI and the server down. Safe to call twice.
func (s *Server) Stop() error {
	if s.stopOnce {
		return nil
	}
	s.stopOnce = true
	s.logger.stopping.Store(true)
	if s.ui != nil {
		s.ui.Stop()
	}
	return s.server.Stop()
}

func dynamicConfig(o Options) dynamicconfig.StaticClient {
	dc := dynamicconfig.StaticClient{
		dynamicconfig.EnableServerVersionCheck.Key():                false,
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
		dynamicconfig.EnableEagerWorkflowStart.Key():                true,
	}
	if o.TaskQueuePartitions > 0 {
		dc[dynamicconfig.MatchingNumTaskqueueReadPartitions.Key()] = o.TaskQueuePartitions
		dc[dynamicconfig.MatchingNumTaskqueueWritePartitions.Key()] = o.TaskQueuePartitions
	}
	return dc
}

func withDefaults(o Options) Options {
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.Retention == 0 {
		o.Retention = 30 * 24 * time.Hour
	}
	if o.LogLevel == "" {
		o.LogLevel = "error"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// checkUIPort fails early: the UI server exits the process on a bind error.
func checkUIPort(o Options) error {
	if o.UIPort <= 0 {
		return nil
	}
	l, err := net.Listen("tcp", net.JoinHostPort(o.Host, strconv.Itoa(o.UIPort)))
	if err != nil {
		return fmt.Errorf("temporal UI port %d: %w", o.UIPort, err)
	}
	return l.Close()
}

// prepareStore returns the SQLite settings, creating the schema for a new
// file and refusing a file written by another server version.
func prepareStore(o Options) (*config.SQL, error) {
	if o.StateDir == "" {
		return &config.SQL{
			PluginName:        sqliteplugin.PluginName,
			DatabaseName:      "jitflow-" + strconv.FormatUint(rand.Uint64(), 36),
			ConnectAttributes: map[string]string{"mode": "memory", "cache": "shared"},
		}, nil
	}
	if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	sqlCfg := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: filepath.Join(o.StateDir, dbFileName),
		ConnectAttributes: map[string]string{
			"mode": "rwc", "journal_mode": "wal", "synchronous": "normal", "busy_timeout": "5000",
		},
	}
	stamp := filepath.Join(o.StateDir, stampName)
	_, statErr := os.Stat(sqlCfg.DatabaseName)
	switch {
	case errors.Is(statErr, os.ErrNotExist):
		if err := sqlite.SetupSchema(sqlCfg); err != nil {
			return nil, fmt.Errorf("create schema in %s: %w", sqlCfg.DatabaseName, err)
		}
		if err := os.WriteFile(stamp, []byte(ServerVersion+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("stamp state dir: %w", err)
		}
	case statErr != nil:
		return nil, fmt.Errorf("state dir: %w", statErr)
	default:
		b, err := os.ReadFile(stamp)
		if err != nil {
			return nil, fmt.Errorf("%s has no server version stamp (%s); move it away to start afresh: %w", o.StateDir, stampName, err)
		}
		if v := strings.TrimSpace(string(b)); v != ServerVersion {
			return nil, fmt.Errorf("%s was written by Temporal server %s, this build embeds %s; SQLite state is not migrated across versions: move the directory away to start afresh", o.StateDir, v, ServerVersion)
		}
		if err := forgetMembership(sqlCfg); err != nil {
			return nil, err
		}
	}
	return sqlCfg, nil
}

func serverConfig(o Options, sqlCfg *config.SQL) (*config.Config, string, error) {
	ports, err := freePorts(o.Host, 7)
	if err != nil {
		return nil, "", err
	}
	if o.Port == 0 {
		o.Port = ports[6]
	}
	address := net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	service := func(grpc, membership int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: grpc, MembershipPort: membership, BindOnIP: o.Host}}
	}
	cfg := &config.Config{
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: o.Host},
		},
		Persistence: config.Persistence{
			DefaultStore:     sqliteplugin.PluginName,
			VisibilityStore:  sqliteplugin.PluginName,
			NumHistoryShards: 1,
			DataStores:       map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sqlCfg}},
		},
		ClusterMetadata: &cluster.Config{
			FailoverVersionIncrement: 10,
			MasterClusterName:        clusterName,
			CurrentClusterName:       clusterName,
			ClusterInformation: map[string]cluster.ClusterInformation{
				clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: address},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			"frontend": service(o.Port, ports[0]),
			"history":  service(ports[1], ports[2]),
			"matching": service(ports[3], ports[4]),
			"worker":   service(ports[5], freePortOr(o.Host)),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{Archival: config.ArchivalNamespaceDefaults{
			History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
			Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
		}},
		PublicClient: config.PublicClient{HostPort: address},
	}
	return cfg, address, nil
}

// freePorts reserves n distinct free ports and releases them together, so the
// same port is not handed out twice.
func freePorts(host string, n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func freePortOr(host string) int {
	p, err := freePorts(host, 1)
	if err != nil {
		return 0
	}
	return p[0]
}

// configureNamespace waits for the frontend, then sets retention and
// registers search attributes. Both calls are idempotent, so they run on every
// start: a namespace created by an older jitflow gains new attributes.
func (s *Server) configureNamespace(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	c, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()

	if _, err := c.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: s.opts.Namespace,
		Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(s.opts.Retention)},
	}); err != nil {
		return fmt.Errorf("set retention of %s: %w", s.opts.Namespace, err)
	}
	return EnsureSearchAttributes(ctx, c, s.opts.Namespace, s.opts.SearchAttributes)
}

func (s *Server) dial(ctx context.Context) (client.Client, error) {
	for {
		c, err := client.DialContext(ctx, client.Options{
			HostPort:  s.address,
			Namespace: s.opts.Namespace,
			Logger:    discardLogger{},
		})
		if err == nil {
			if _, err = c.CheckHealth(ctx, &client.CheckHealthRequest{}); err == nil {
				return c, nil
			}
			c.Close()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("temporal server at %s did not answer: %w", s.address, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// EnsureSearchAttributes registers the attributes that are missing from the
// namespace. It is safe to call on every start, against any server.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string, want map[string]enumspb.IndexedValueType) error {
	if len(want) == 0 {
		return nil
	}
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range want {
		got, ok := have.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = typ
		case got != typ:
			return fmt.Errorf("search attribute %s is registered as %s, jitflow needs %s", name, got, typ)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("add search attributes: %w", err)
	}
	return nil
}
