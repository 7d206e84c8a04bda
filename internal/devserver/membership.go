package devserver

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/server/common/config"
	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	"go.temporal.io/server/common/resolver"
)

// forgetMembership deletes the cluster membership rows an earlier run left in
// the file. They name that run's (now dead) hosts and ports; while they look
// fresh, the new server tries to join them and stalls for up to a minute
// before it serves a single workflow task. One process owns this file, so
// every such row is stale.
func forgetMembership(cfg *config.SQL) error {
	db, err := sql.NewSQLDB(sqlplugin.DbKindMain, cfg, resolver.NewNoopResolver(), tlog.NewNoopLogger(), metrics.NoopMetricsHandler)
	if err != nil {
		return fmt.Errorf("open %s: %w", cfg.DatabaseName, err)
	}
	defer func() { _ = db.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.PruneClusterMembership(ctx, &sqlplugin.PruneClusterMembershipFilter{
		PruneRecordsBefore: time.Now().Add(100 * 365 * 24 * time.Hour),
	}); err != nil {
		return fmt.Errorf("clear stale cluster membership in %s: %w", cfg.DatabaseName, err)
	}
	return nil
}
