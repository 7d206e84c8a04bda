package config

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestMetricsAddr(t *testing.T) {
	worker := validDev()
	worker["TEMPORAL_ADDRESS"] = "temporal:7233"
	c, err := Load(RoleWorker, env(worker))
	if err != nil || c.MetricsAddr != "" {
		t.Fatalf("unset: %q %v, want off", c.MetricsAddr, err)
	}
	worker["JIT_METRICS_ADDR"] = ":9090"
	if c, err := Load(RoleWorker, env(worker)); err != nil || c.MetricsAddr != ":9090" {
		t.Fatalf("set: %q %v", c.MetricsAddr, err)
	}
	worker["JIT_METRICS_ADDR"] = "9090"
	_, err = Load(RoleWorker, env(worker))
	if err == nil || !strings.Contains(err.Error(), "JIT_METRICS_ADDR must be host:port") {
		t.Fatalf("bad address: %v", err)
	}
	// The gateway serves /metrics on its own port and ignores the setting.
	gw := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "JIT_WEBHOOK_TOKEN": "0123456789abcdef",
		"TEMPORAL_ADDRESS": "temporal:7233", "JIT_METRICS_ADDR": "9090"}
	if c, err := Load(RoleGateway, env(gw)); err != nil || c.MetricsAddr != "" {
		t.Errorf("gateway: %q %v", c.MetricsAddr, err)
	}
}

// TestKeysAreEverySettingRead compares Keys with the keys the source passes
// to the reader, so a lookup behind a condition can't be missed.
func TestKeysAreEverySettingRead(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var inSource []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !slices.Contains([]string{"opt", "req", "duration", "list", "positive"}, sel.Sel.Name) {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if k, err := strconv.Unquote(lit.Value); err == nil && !slices.Contains(inSource, k) {
					inSource = append(inSource, k)
				}
			}
			return true
		})
	}
	slices.Sort(inSource)
	keys := Keys()
	if !slices.Equal(keys, inSource) {
		t.Errorf("Keys() = %v\nsource reads %v", keys, inSource)
	}
	for _, k := range []string{"BB_HOST", "SLACK_BOT_TOKEN", "JIT_HTTP_ADDR", "JIT_METRICS_ADDR", "TEMPORAL_ADDRESS"} {
		if !slices.Contains(keys, k) {
			t.Errorf("Keys() lacks %s", k)
		}
	}
}
