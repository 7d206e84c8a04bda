package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Timeouts keep slow or idle clients from holding connections open.
type Timeouts struct {
	ReadHeader time.Duration // request line and headers
	Read       time.Duration // the whole request, body included
	Write      time.Duration // from the end of the headers to the end of the reply
	Idle       time.Duration // keep-alive between requests
	Shutdown   time.Duration // draining in-flight requests on stop
}

// DefaultTimeouts: handlers answer within handoffTimeout, so 10 s is ample.
var DefaultTimeouts = Timeouts{
	ReadHeader: 5 * time.Second,
	Read:       10 * time.Second,
	Write:      10 * time.Second,
	Idle:       60 * time.Second,
	Shutdown:   10 * time.Second,
}

// maxHeaderBytes bounds request headers (Go's default is 1 MiB); Slack's and
// Bytebase's are a few hundred bytes.
const maxHeaderBytes = 64 << 10

// Serve runs handler on l until ctx is done, then drains in-flight requests.
func Serve(ctx context.Context, l net.Listener, handler http.Handler) error {
	return serve(ctx, l, handler, DefaultTimeouts)
}

func serve(ctx context.Context, l net.Listener, handler http.Handler, t Timeouts) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    maxHeaderBytes,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), t.Shutdown)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}
