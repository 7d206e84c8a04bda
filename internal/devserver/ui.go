package devserver

import (
	"log/slog"

	"github.com/temporalio/ui-server/v2/server"
	"github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
)

// uiServer is the Temporal Web UI, assets embedded in the binary.
type uiServer struct{ srv *server.Server }

func startUI(host string, port int, temporalAddress, namespace string, logger *slog.Logger) *uiServer {
	srv := server.NewServer(server_options.WithConfigProvider(&config.Config{
		Host:                host,
		Port:                port,
		TemporalGRPCAddress: temporalAddress,
		EnableUI:            true,
		HideLogs:            true,
		DisableNewsFetch:    true,
		DefaultNamespace:    namespace,
	}))
	go func() {
		if err := srv.Start(); err != nil {
			logger.Error("temporal UI stopped", "err", err)
		}
	}()
	return &uiServer{srv: srv}
}

func (u *uiServer) Stop() { u.srv.Stop() }
