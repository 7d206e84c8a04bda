package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jitflow/jitflow/internal/devserver"
)

func TestSetupAndRequestsThroughMain(t *testing.T) {
	isolate(t)
	srv, err := devserver.Start(context.Background(), devserver.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	t.Setenv("TEMPORAL_ADDRESS", srv.Address())

	var out, errOut bytes.Buffer
	if code := run([]string{"setup"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "9 search attribute(s) added") {
		t.Fatalf("setup: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run([]string{"requests", "--status", "pending", "--requester", "dev@example.com", "--limit", "5"}, &out, &errOut); code != 0 ||
		!strings.Contains(out.String(), `No requests match WorkflowType = "ApprovalWorkflow" AND JitStatus = "pending" AND JitRequester = "dev@example.com"`) {
		t.Fatalf("requests: exit %d\n%s%s", code, out.String(), errOut.String())
	}
}

func TestCLIUsageErrors(t *testing.T) {
	isolate(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"setup", "extra"}, `unexpected arguments ["extra"]`},
		{[]string{"requests", "--status", `pending" OR "1"="1`}, "use a status such as pending"},
		{[]string{"requests", "--nope"}, "flag provided but not defined"},
		{[]string{"requests"}, "TEMPORAL_ADDRESS is required"},
		{[]string{"setup"}, "TEMPORAL_ADDRESS is required"},
		{[]string{"probe"}, "usage: jitflow probe URL"},
	}
	for _, tc := range cases {
		var out, errOut bytes.Buffer
		if code := run(tc.args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, errOut.String(), tc.want)
		}
	}
}

func TestProbe(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	var out, errOut bytes.Buffer
	if code := run([]string{"probe", srv.URL + "/healthz"}, &out, &errOut); code != 0 {
		t.Errorf("healthy: exit %d %s", code, errOut.String())
	}
	status = http.StatusServiceUnavailable
	if code := run([]string{"probe", srv.URL + "/readyz"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "503") {
		t.Errorf("unhealthy: exit %d %s", code, errOut.String())
	}
	srv.Close()
	if code := run([]string{"probe", srv.URL + "/healthz"}, &out, &errOut); code != 1 {
		t.Errorf("down: exit %d", code)
	}
}
