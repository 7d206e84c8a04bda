package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/jitflow/jitflow/internal/bytebase"
)

// IssueSearch is the part of the Bytebase client the poller uses.
type IssueSearch interface {
	SearchIssues(ctx context.Context, project, filter string, pageSize int, pageToken string) (bytebase.SearchPage, error)
}

// RequestStarter starts the approval workflow of an issue or joins the
// running one, telling it which step the poller saw pending. The worker wires
// it to Temporal (worker.NewRequestStarter): this package cannot import
// workflows, which imports it.
type RequestStarter interface {
	// summary is the request in words, for the workflow's static summary.
	StartOrJoin(ctx context.Context, ref bytebase.IssueRef, pendingStep int, summary string) error
}

const (
	// pendingFilter asks Bytebase for exactly what the poller wants, where
	// the server knows approval_status (~3.12+). Type is never filtered on
	// the server: an unknown type name is a 400 on some versions.
	pendingFilter = `status == "OPEN" && approval_status == "PENDING"`
	// openFilter is what older servers accept; the rest is checked here.
	openFilter = `status == "OPEN"`

	searchPageSize = 100
	// maxSearchPages stops a server that keeps handing out page tokens from
	// keeping one poll busy forever (100,000 issues).
	maxSearchPages = 1000
	// resignalAfter bounds how long an unchanged pending issue goes without
	// a hint. Hinting every poll would grow each waiting workflow's history
	// by a signal and a workflow task per interval (over 10,000 events a day
	// at 30 s); re-sending now and then restarts a request whose workflow
	// ended while Bytebase still shows it pending.
	resignalAfter = 10 * time.Minute
)

// PollInput is the poller's current settings.
type PollInput struct {
	IssueTypes []string `json:"issueTypes"`         // JIT_ISSUE_TYPES
	Projects   []string `json:"projects,omitempty"` // JIT_PROJECTS; empty: every project
}

// PollResult counts what one poll did, for logs and the poller's status.
type PollResult struct {
	Pages     int  `json:"pages"`               // search pages read
	Seen      int  `json:"seen"`                // issues the searches returned
	Pending   int  `json:"pending"`             // of those, awaiting approval, of a wanted type and project
	Signalled int  `json:"signalled"`           // requests started or hinted
	Failed    int  `json:"failed"`              // projects whose search failed
	Fallback  bool `json:"fallback,omitempty"`  // Bytebase lacks approval_status: open issues were searched
	Unchanged int  `json:"unchanged,omitempty"` // pending, already hinted with the same step and update time
}

// pollMemory is what the poller keeps across polls in this process.
type pollMemory struct {
	mu sync.Mutex
	// noApprovalFilter: Bytebase answered 400 to approval_status. It will
	// not learn the key without an upgrade, so the plain filter stays until
	// this worker restarts.
	noApprovalFilter bool
	sent             map[bytebase.IssueRef]sentHint
	now              func() time.Time // tests move the clock
}

// sentHint is the last hint that reached an issue's workflow.
type sentHint struct {
	step    int
	updated time.Time // the issue's updateTime then
	at      time.Time
}

// PollPending searches Bytebase for open issues awaiting approval (every
// page, in every configured project) and starts or joins the approval
// workflow of each one jitflow handles. It is safe to repeat: starting joins
// a running workflow. It fails, so that Temporal retries it with backoff,
// when no project could be searched or a request could not be started.
func (a *Activities) PollPending(ctx context.Context, in PollInput) (PollResult, error) {
	if a.Search == nil || a.Requests == nil {
		return PollResult{}, errors.New("poll: the worker did not wire Bytebase search and Temporal into the activities")
	}
	projects := in.Projects
	if len(projects) == 0 {
		projects = []string{"-"}
	}
	var res PollResult
	var searchErrs []error
	var startErr error
	for _, p := range projects {
		err := a.pollProject(ctx, p, in, &res)
		var se *startError
		switch {
		case errors.As(err, &se):
			startErr = err
		case err != nil:
			res.Failed++
			searchErrs = append(searchErrs, err)
		}
		if startErr != nil || ctx.Err() != nil {
			break // Temporal or this attempt is in trouble: retry the whole poll
		}
	}
	err := startErr
	if err == nil && len(searchErrs) == len(projects) {
		err = errors.Join(searchErrs...)
	}
	a.observePoll(ctx, res, searchErrs, startErr, err)
	return res, err
}

// startError marks a failure to hand a request to Temporal.
type startError struct{ err error }

func (e *startError) Error() string { return e.err.Error() }
func (e *startError) Unwrap() error { return e.err }

// pollProject reads every page of one project's search ("-": all projects)
// and hands each pending issue on, page by page, so a later page failing
// loses nothing already found.
func (a *Activities) pollProject(ctx context.Context, project string, in PollInput, res *PollResult) error {
	token := ""
	for page := 0; ; page++ {
		if page == maxSearchPages {
			return fmt.Errorf("search issues in %s: more than %d pages; giving up on this poll", project, maxSearchPages)
		}
		filter := a.searchFilter(res)
		got, err := a.Search.SearchIssues(ctx, project, filter, searchPageSize, token)
		if err != nil && token == "" && filter == pendingFilter && badRequest(err) {
			a.log().Warn("Bytebase refused the approval_status filter (older than ~3.12); searching open issues and checking approval here",
				"project", project, "error", err)
			a.poll.mu.Lock()
			a.poll.noApprovalFilter = true
			a.poll.mu.Unlock()
			filter = a.searchFilter(res)
			got, err = a.Search.SearchIssues(ctx, project, filter, searchPageSize, token)
		}
		if err != nil {
			return fmt.Errorf("poll %s, page %d: %w", project, page+1, err)
		}
		res.Pages++
		res.Seen += len(got.Issues)
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, res.Pages) // a dead worker is noticed within the heartbeat timeout
		}
		for _, is := range got.Issues {
			if !wanted(is, in) {
				continue
			}
			res.Pending++
			if err := a.hint(ctx, is, res); err != nil {
				return &startError{err}
			}
		}
		if got.NextPageToken == "" {
			return nil
		}
		if got.NextPageToken == token {
			return fmt.Errorf("search issues in %s: page %d repeats its page token", project, page+1)
		}
		token = got.NextPageToken
	}
}

// searchFilter is the filter this process uses, noting a fallback in res.
func (a *Activities) searchFilter(res *PollResult) string {
	a.poll.mu.Lock()
	defer a.poll.mu.Unlock()
	if a.poll.noApprovalFilter {
		res.Fallback = true
		return openFilter
	}
	return pendingFilter
}

// hint starts or joins the issue's request unless this process already told
// it the same thing recently.
func (a *Activities) hint(ctx context.Context, is bytebase.Issue, res *PollResult) error {
	now := time.Now()
	if a.poll.now != nil {
		now = a.poll.now()
	}
	h := sentHint{step: is.PendingStep(), updated: is.UpdateTime, at: now}
	a.poll.mu.Lock()
	last, ok := a.poll.sent[is.Ref]
	a.poll.mu.Unlock()
	if ok && last.step == h.step && last.updated.Equal(h.updated) && now.Sub(last.at) < resignalAfter {
		res.Unchanged++
		return nil
	}
	if err := a.Requests.StartOrJoin(ctx, is.Ref, h.step, is.Summary()); err != nil {
		return fmt.Errorf("start or join the request of %s: %w", is.Ref, err)
	}
	res.Signalled++
	a.poll.mu.Lock()
	defer a.poll.mu.Unlock()
	if a.poll.sent == nil {
		a.poll.sent = map[bytebase.IssueRef]sentHint{}
	}
	for ref, s := range a.poll.sent { // forget issues no longer seen pending
		if now.Sub(s.at) >= resignalAfter {
			delete(a.poll.sent, ref)
		}
	}
	a.poll.sent[is.Ref] = h
	return nil
}

// wanted is the check made on our side whatever the server filtered: older
// servers can't filter on approval, and type is never filtered there.
func wanted(is bytebase.Issue, in PollInput) bool {
	return is.AwaitingApproval() && typeIn(in.IssueTypes, is.Type) &&
		(len(in.Projects) == 0 || slices.Contains(in.Projects, is.Ref.Project))
}

// typeIn reports whether an issue's type is listed. The client reports
// GRANT_REQUEST (≤ 3.16) as ROLE_GRANT, so either name lists it.
// typeIn reports whether an issue type is one of types; the client reports
// GRANT_REQUEST (≤ 3.16) as ROLE_GRANT, so either spelling matches it.
func typeIn(types []string, t string) bool {
	for _, want := range types {
		if want == t || (want == "GRANT_REQUEST" && t == bytebase.TypeRoleGrant) {
			return true
		}
	}
	return false
}

func badRequest(err error) bool {
	var apiErr *bytebase.APIError
	return errors.As(err, &apiErr) && apiErr.HTTPStatus == http.StatusBadRequest
}

// Poll metrics, recorded through the Temporal SDK's metrics handler (which
// the worker reports to Prometheus; counters gain _total there).
const (
	metricPolls     = "jitflow_polls"                   // tag outcome: ok, partial (a project failed), failed
	metricHandedOn  = "jitflow_poll_requests_handed_on" // requests started or hinted
	metricPending   = "jitflow_poll_pending"            // pending requests the last poll saw
	metricProjectKO = "jitflow_poll_search_errors"      // failed project searches
)

// observePoll reports one poll: the one place its outcome leaves the process.
func (a *Activities) observePoll(ctx context.Context, res PollResult, searchErrs []error, startErr, err error) {
	log := a.log().With("pages", res.Pages, "seen", res.Seen, "pending", res.Pending,
		"signalled", res.Signalled, "unchanged", res.Unchanged, "fallback", res.Fallback)
	for _, e := range searchErrs {
		log.ErrorContext(ctx, "Searching Bytebase for pending approvals failed", "error", e)
	}
	switch {
	case startErr != nil:
		log.ErrorContext(ctx, "Handing a pending request to Temporal failed", "error", startErr)
	case res.Signalled > 0:
		log.InfoContext(ctx, "Poll handed pending requests on")
	default:
		log.DebugContext(ctx, "Poll found nothing new")
	}

	if !activity.IsActivity(ctx) {
		return
	}
	outcome := "ok"
	switch {
	case err != nil:
		outcome = "failed"
	case len(searchErrs) > 0:
		outcome = "partial"
	}
	m := activity.GetMetricsHandler(ctx)
	m.WithTags(map[string]string{"outcome": outcome}).Counter(metricPolls).Inc(1)
	m.Counter(metricHandedOn).Inc(int64(res.Signalled))
	m.Counter(metricProjectKO).Inc(int64(len(searchErrs)))
	if err == nil {
		m.Gauge(metricPending).Update(float64(res.Pending))
	}
}
