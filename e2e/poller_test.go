package e2e

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"

	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/fakes/bytebasefake"
	"github.com/jitflow/jitflow/workflows"
)

// The fake Bytebase sends no webhooks: in these tests only the poller (and,
// where said, a webhook the test sends) brings requests in.

// pollInterval is the shortest that means what it says: Temporal timers
// have a resolution of one second.
const pollInterval = "1s"

func newPolledHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	return newHarness(t, append([]harnessOption{withEnv("JIT_POLL_INTERVAL", pollInterval)}, opts...)...)
}

// searches are the issues:search calls so far.
func (h *harness) searches() []bytebasefake.Call { return h.bb.CallsTo("/issues:search") }

// waitPolls waits until n more searches have been answered.
func (h *harness) waitPolls(n int) {
	h.t.Helper()
	from := len(h.searches())
	h.waitFor("more polls", func() bool { return len(h.searches()) >= from+n })
}

// cardWorkflows are the workflow IDs of the cards, in posting order.
func (h *harness) cardWorkflows() []string {
	h.t.Helper()
	var ids []string
	for _, m := range h.cards() {
		var meta struct {
			EventPayload struct {
				WorkflowID string `json:"workflow_id"`
			} `json:"event_payload"`
		}
		if err := json.Unmarshal(m.Metadata, &meta); err != nil {
			h.t.Fatalf("card metadata %s: %v", m.Metadata, err)
		}
		ids = append(ids, meta.EventPayload.WorkflowID)
	}
	return ids
}

func workflowIDs(numbers ...int64) []string {
	var ids []string
	for _, n := range numbers {
		ids = append(ids, workflows.WorkflowID(bytebase.IssueRef{Project: project, Number: n}))
	}
	return ids
}

// expectCards checks, after a few more polls, that exactly the given issues
// have a card, one each.
func (h *harness) expectCards(numbers ...int64) {
	h.t.Helper()
	h.waitPolls(2)
	got := h.cardWorkflows()
	want := workflowIDs(numbers...)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		h.t.Errorf("cards for %v, want one each for %v", got, want)
	}
}

// temporal dials the harness's Temporal server.
func (h *harness) temporal() client.Client {
	h.t.Helper()
	c, err := client.Dial(client.Options{
		HostPort: h.info.TemporalAddress,
		Logger:   tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(c.Close)
	return c
}

// hintEvents returns the Event of every hint in the workflow's history.
func hintEvents(t *testing.T, c client.Client, workflowID string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var events []string
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		sig := ev.GetWorkflowExecutionSignaledEventAttributes()
		if sig == nil || sig.GetSignalName() != workflows.SignalHint {
			continue
		}
		var hint workflows.Hint
		if err := converter.GetDefaultDataConverter().FromPayloads(sig.GetInput(), &hint); err != nil {
			t.Fatal(err)
		}
		events = append(events, hint.Event)
	}
	return events
}

func TestPollerCardsEveryPendingIssueAcrossPages(t *testing.T) {
	h := newPolledHarness(t)
	h.bb.SetMaxPageSize(2)
	start := time.Now()
	var issues []int64
	for range 3 {
		issues = append(issues, h.addIssue("roles/workspaceDBA"))
	}
	// Pending too, but a type jitflow doesn't handle by default.
	h.bb.AddIssue(bytebasefake.NewIssue{Project: project, Type: bytebasefake.TypeDatabaseChange, Requester: dev.Email})

	h.waitCard(3)
	t.Logf("3 pending issues over 2 pages: 3 cards %s after they were created", time.Since(start).Round(time.Millisecond))
	h.expectCards(issues...)
	paged := false
	for _, c := range h.searches() {
		paged = paged || strings.Contains(c.Body, `"pageToken"`)
	}
	if !paged {
		t.Error("no search followed a nextPageToken")
	}
	// Started by SignalWithStart, the poll's hint is the run's first event
	// after its start: the card fast path must still recognise the first
	// workflow task, and the cards that queue must not look for themselves.
	atOnce := 0
	for _, n := range issues {
		if a, _ := h.cardPath(n); a {
			atOnce++
		}
	}
	if atOnce == 0 {
		t.Error("no polled card took the fast path")
	}
	if n := h.slack.CallCount("conversations.history"); n != 0 {
		t.Errorf("conversations.history called %d times: a first workflow task was taken for a retry", n)
	}
}

func TestPollerCatchesUpAfterRestart(t *testing.T) {
	h := newPolledHarness(t, withStateDir(t.TempDir()))
	first := h.addIssue("roles/workspaceDBA")
	h.waitCard(1)

	h.stop()
	created := h.addIssue("roles/workspaceDBA") // while jitflow is down
	start := time.Now()
	h.start()

	h.waitCard(2)
	t.Logf("issue created while stopped: card %s after the restart began", time.Since(start).Round(time.Millisecond))
	h.expectCards(first, created)
}

func TestWebhookAndPollAtOnceMakeOneCard(t *testing.T) {
	h := newPolledHarness(t)
	// A slow Slack keeps each request's card unposted for a while, so the
	// poller (every second) and the webhook both reach the issue's workflow
	// while it is still on its way to the card.
	h.slack.SetLatency(1500 * time.Millisecond)
	var issues []int64
	for i := range 4 {
		n := h.addIssue("roles/workspaceDBA")
		issues = append(issues, n)
		time.Sleep(time.Duration(i) * 300 * time.Millisecond) // the webhook before, with or after the poll
		if code := h.webhook(n); code != 200 {
			t.Fatalf("webhook: %d", code)
		}
	}
	h.waitCard(4)
	h.expectCards(issues...)

	c := h.temporal()
	for _, id := range workflowIDs(issues...) {
		// The poll always arrives as a hint (SignalWithStart); the webhook
		// either started the run (with the issue the gateway read) or
		// joined it with a hint.
		events := hintEvents(t, c, id)
		byWebhook := slices.Contains(events, "Approval required") || startInput(t, c, id).Snapshot != nil
		if !slices.Contains(events, workflows.HintPoll) || !byWebhook {
			t.Errorf("%s got hints %q (started by the webhook: %v); want both the poll and the webhook in its one run", id, events, byWebhook)
		}
	}
}

// startInput is the input the workflow's first run was started with.
func startInput(t *testing.T, c client.Client, workflowID string) workflows.ApprovalInput {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	ev, err := it.Next()
	if err != nil {
		t.Fatal(err)
	}
	var in workflows.ApprovalInput
	if err := converter.GetDefaultDataConverter().FromPayloads(ev.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err != nil {
		t.Fatal(err)
	}
	return in
}

func TestPollerRidesOutBytebaseErrors(t *testing.T) {
	h := newPolledHarness(t)
	before := h.addIssue("roles/workspaceDBA")
	h.waitCard(1)

	h.bb.FailNextOn(":search", 2, 500) // the next two polls fail
	during := h.addIssue("roles/workspaceDBA")
	start := time.Now()
	h.waitCard(2)
	t.Logf("after two failed polls (500): card %s after the issue was created", time.Since(start).Round(time.Millisecond))
	h.expectCards(before, during)

	var statuses []int
	for _, c := range h.searches() {
		statuses = append(statuses, c.Status)
	}
	i := slices.Index(statuses, 500)
	if i < 0 || i+2 >= len(statuses) || statuses[i+1] != 500 || slices.Contains(statuses[i+2:], 500) || !slices.Contains(statuses[i+2:], 200) {
		t.Errorf("search answers %v; want two 500s in a row, then polling resumed", statuses)
	}
	if !strings.Contains(h.logs.String(), "Searching Bytebase for pending approvals failed") {
		t.Error("the failed polls are not in the logs")
	}
	for _, s := range secretsIn(h.logs.String()) {
		t.Errorf("logs contain a secret (%d chars)", len(s))
	}
}

func TestPollerFallsBackOnAnOlderBytebase(t *testing.T) {
	h := newPolledHarness(t)
	h.bb.SetRejectApprovalStatusFilter(true)
	pending := h.addIssue("roles/workspaceDBA")
	sentBack := h.addIssue("roles/workspaceDBA") // OPEN, but rejected: not pending
	if err := h.bb.RejectAs(project, sentBack, alice.Email); err != nil {
		t.Fatal(err)
	}
	h.waitCard(1)
	h.expectCards(pending)

	refused, after := 0, 0
	for _, c := range h.searches() {
		switch {
		case c.Status == 400:
			refused++
		case refused > 0 && strings.Contains(c.Body, "approval_status"):
			after++
		}
	}
	if refused != 1 || after != 0 {
		t.Errorf("approval_status refused %d times, sent %d times after; want once, then never", refused, after)
	}
}

func TestStepApprovedInBytebaseMovesTheCard(t *testing.T) {
	h := newPolledHarness(t)
	n := h.addIssue("roles/projectOwner", "roles/workspaceDBA")
	c := h.waitCard(1)
	if !strings.Contains(cardText(t, c), "1 of 2") {
		t.Fatalf("first card:\n%s", cardText(t, c))
	}

	if err := h.bb.ApproveAs(project, n, bob.Email); err != nil { // in Bytebase itself: no webhook
		t.Fatal(err)
	}
	h.waitFor("step 2 on the card", func() bool { return strings.Contains(cardText(t, h.card(c.TS)), "2 of 2") })
	if !hasButtons(t, h.card(c.TS)) {
		t.Error("step 2 must still offer Approve and Deny")
	}
	h.expectCards(n)
}

func TestPollIntervalZeroTurnsThePollerOff(t *testing.T) {
	h := newPolledHarness(t, withStateDir(t.TempDir()))
	h.waitPolls(1)
	h.stop()
	h.env["JIT_POLL_INTERVAL"] = "0"
	h.start()

	c := h.temporal()
	h.waitFor("the running poller to stop", func() bool {
		d, err := c.DescribeWorkflowExecution(context.Background(), workflows.PollerWorkflowID, "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	if !strings.Contains(h.logs.String(), "JIT_POLL_INTERVAL=0") {
		t.Error("no warning that polling is off")
	}
	polls := len(h.searches())
	n := h.addIssue("roles/workspaceDBA")
	time.Sleep(1500 * time.Millisecond) // a running poller would have polled
	if got := len(h.searches()); got != polls || len(h.cards()) != 0 {
		t.Fatalf("%d searches and %d cards with polling off", got-polls, len(h.cards()))
	}
	h.webhook(n) // webhooks still work
	h.waitCard(1)
}
