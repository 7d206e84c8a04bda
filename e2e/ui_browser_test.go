package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/jitflow/jitflow/internal/fakes/bytebasefake"
)

// artifactsDir is git-ignored; CI keeps what tests write there.
var artifactsDir = filepath.Join("..", "artifacts")

// chromiumPath finds Debian's Chromium. Without it the test fails in CI
// (.ci/run installs it) and is skipped on a developer's machine.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium is not installed: apt-get install -y chromium (.ci/run does this)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// An auditor opens the Temporal Web UI, searches JitRequester="dev@example.com"
// and finds dev's request and not bob's.
func TestTemporalUIFindsRequestByRequester(t *testing.T) {
	chromium := chromiumPath(t)
	h := newHarness(t, withUI())
	if h.info.UIURL == "" {
		t.Fatal("the harness started no Web UI")
	}
	mine := h.addIssue("roles/workspaceDBA")
	theirs := h.bb.AddIssue(bytebasefake.NewIssue{
		Project: project, Requester: bob.Email, Role: "roles/sqlEditorUser",
		Description: "Quarterly audit", Databases: []string{"instances/prod-sample-instance/databases/hr_prod"},
	})
	for _, n := range []int64{mine, theirs} {
		if code := h.webhook(n); code != 200 {
			t.Fatalf("webhook %d: %d", n, code)
		}
	}
	h.waitCard(2) // both workflows have read their issue and set JitRequester
	mineID := fmt.Sprintf("jit/%s/%d", project, mine)
	theirsID := fmt.Sprintf("jit/%s/%d", project, theirs)

	page := h.info.UIURL + "/namespaces/default/workflows?query=" +
		url.QueryEscape(fmt.Sprintf(`JitRequester="%s"`, dev.Email))

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1440, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTimeout()

	// The list is fetched once per load, and visibility trails the upsert
	// by a moment: reload until the request shows.
	has := func(id string) string { return fmt.Sprintf(`document.body.innerText.includes(%q)`, id) }
	found := false
	for attempt := 0; attempt < 6 && !found; attempt++ {
		if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
			t.Fatalf("browser: open %s: %v", page, err)
		}
		// A poll that times out is an error too: then reload and look again.
		found, _ = chromedp.Run(ctx, chromedp.Poll[bool](has(mineID), chromedp.WithPollingTimeout(10*time.Second)))
		if ctx.Err() != nil {
			t.Fatalf("browser: %v", ctx.Err())
		}
	}
	theirsShown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](has(theirsID)))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 is a PNG
	if err != nil {
		t.Fatalf("browser: screenshot: %v", err)
	}
	if err := os.MkdirAll(artifactsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	shotPath := filepath.Join(artifactsDir, "temporal-ui-requester-search.png")
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shotPath)
	if !found {
		t.Fatalf("the UI at %s never listed %s (see %s)", page, mineID, shotPath)
	}
	if theirsShown {
		t.Errorf("the search for %s also lists %s, bob's request (see %s)", dev.Email, theirsID, shotPath)
	}
}
