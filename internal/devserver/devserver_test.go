package devserver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

func TestStartInMemoryRegistersNamespaceAndAttributes(t *testing.T) {
	ctx := context.Background()
	srv, err := Start(ctx, Options{
		Namespace:        "jit-test",
		SearchAttributes: map[string]enumspb.IndexedValueType{"JitStatus": enumspb.INDEXED_VALUE_TYPE_KEYWORD},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()

	c, err := client.Dial(client.Options{HostPort: srv.Address(), Namespace: "jit-test", Logger: discardLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ns, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "jit-test"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration().Hours(); got != 30*24 {
		t.Errorf("retention = %vh, want 720h", got)
	}
	sa, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "jit-test"})
	if err != nil {
		t.Fatal(err)
	}
	if sa.GetCustomAttributes()["JitStatus"] != enumspb.INDEXED_VALUE_TYPE_KEYWORD {
		t.Errorf("JitStatus not registered: %v", sa.GetCustomAttributes())
	}
}

func TestStateDirSurvivesRestartAndRefusesOtherVersion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opts := Options{StateDir: dir, Namespace: "default",
		SearchAttributes: map[string]enumspb.IndexedValueType{"JitStatus": enumspb.INDEXED_VALUE_TYPE_KEYWORD}}
	srv, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	srv, err = Start(ctx, opts)
	if err != nil {
		t.Fatalf("restart on the same state dir: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(filepath.Join(dir, stampName), []byte("1.0.0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Start(ctx, opts)
	if err == nil || !strings.Contains(err.Error(), "1.0.0") {
		t.Fatalf("start on a state dir from another version: err = %v, want a version mismatch", err)
	}
}
