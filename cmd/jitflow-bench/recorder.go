package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// recorder sits between jitflow and a fake as a reverse proxy: it timestamps
// the calls the scenarios measure (card posted, card updated, approve) when
// the fake's answer passes through, and can inject a rate of 5xx answers
// before the fake sees the request (so no state changes).
type recorder struct {
	upstream string
	client   *http.Client
	srv      *httptest.Server
	channels map[string]bool // card channels, for Slack

	mu        sync.Mutex
	errRate   float64
	errStatus int
	injected  int
	posted    map[int64][]time.Time // top-level card posts per issue
	tsIssue   map[string]int64      // card ts → issue
	cards     map[int64]card        // issue → first card
	updated   map[int64][]time.Time // chat.update per issue
	approved  map[int64][]time.Time // 2xx :approve per issue
	rejected  map[int64][]time.Time // 2xx :reject per issue
	read      map[int64]time.Time   // first GET of the issue: its workflow runs
	postedAll int                   // sum over posted, for cheap waiting
}

var (
	workflowIssue = regexp.MustCompile(`jit/[^/"]+/(\d+)`)
	decidePath    = regexp.MustCompile(`/issues/(\d+):(approve|reject)$`)
	issuePath     = regexp.MustCompile(`/issues/(\d+)$`)
)

// card is where a card was posted.
type card struct{ channel, ts string }

// newRecorder proxies upstream; for Slack, top-level posts with a request's
// metadata in one of cardChannels are that request's cards.
func newRecorder(upstream string, cardChannels ...string) *recorder {
	r := &recorder{
		upstream: upstream,
		channels: map[string]bool{},
		// Plenty of idle connections: the proxy must not become the bottleneck.
		client:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}},
		posted:   map[int64][]time.Time{},
		tsIssue:  map[string]int64{},
		cards:    map[int64]card{},
		updated:  map[int64][]time.Time{},
		approved: map[int64][]time.Time{},
		rejected: map[int64][]time.Time{},
		read:     map[int64]time.Time{},
	}
	for _, ch := range cardChannels {
		r.channels[ch] = true
	}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

// URL is the proxy's base URL with upstream's path appended (Slack's "/api/").
func (r *recorder) URL() string {
	u, err := url.Parse(r.upstream)
	if err != nil {
		return r.srv.URL
	}
	return r.srv.URL + u.Path
}

func (r *recorder) Close() { r.srv.Close() }

// SetErrorRate makes a fraction p of requests answer status without reaching
// the fake.
func (r *recorder) SetErrorRate(p float64, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errRate, r.errStatus = p, status
}

func (r *recorder) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	inject := r.errRate > 0 && rand.Float64() < r.errRate
	status := r.errStatus
	if inject {
		r.injected++
	}
	r.mu.Unlock()
	if inject {
		http.Error(w, `{"error":"injected by jitflow-bench"}`, status)
		return
	}
	u, err := url.Parse(r.upstream)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out, err := http.NewRequestWithContext(req.Context(), req.Method, u.Scheme+"://"+u.Host+req.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = req.Header.Clone()
	resp, err := r.client.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	r.observe(req, body, resp.StatusCode, respBody, time.Now())
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}

// observe records the measured events of one answered call.
func (r *recorder) observe(req *http.Request, body []byte, status int, respBody []byte, at time.Time) {
	if status/100 != 2 {
		return
	}
	if m := issuePath.FindStringSubmatch(req.URL.Path); m != nil && req.Method == http.MethodGet {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.mu.Lock()
		defer r.mu.Unlock()
		if _, ok := r.read[n]; !ok {
			r.read[n] = at
		}
		return
	}
	if m := decidePath.FindStringSubmatch(req.URL.Path); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.mu.Lock()
		defer r.mu.Unlock()
		if m[2] == "approve" {
			r.approved[n] = append(r.approved[n], at)
		} else {
			r.rejected[n] = append(r.rejected[n], at)
		}
		return
	}
	var method string
	if u, err := url.Parse(r.upstream); err == nil && len(req.URL.Path) > len(u.Path) {
		method = req.URL.Path[len(u.Path):]
	}
	if method != "chat.postMessage" && method != "chat.update" {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return
	}
	var ans struct {
		OK bool   `json:"ok"`
		TS string `json:"ts"`
	}
	if json.Unmarshal(respBody, &ans) != nil || !ans.OK {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch method {
	case "chat.postMessage":
		if !r.channels[form.Get("channel")] || form.Get("thread_ts") != "" {
			return
		}
		m := workflowIssue.FindStringSubmatch(form.Get("metadata"))
		if m == nil {
			return
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.posted[n] = append(r.posted[n], at)
		r.tsIssue[ans.TS] = n
		if _, ok := r.cards[n]; !ok {
			r.cards[n] = card{form.Get("channel"), ans.TS}
		}
		r.postedAll++
	case "chat.update":
		if n, ok := r.tsIssue[form.Get("ts")]; ok {
			r.updated[n] = append(r.updated[n], at)
		}
	}
}

// Posted is how many cards were posted in total (duplicates included).
func (r *recorder) Posted() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.postedAll
}

// FirstPost is when issue n's first card was posted.
func (r *recorder) FirstPost(n int64) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.posted[n]; len(p) > 0 {
		return p[0], true
	}
	return time.Time{}, false
}

// FirstRead is when issue n's workflow first read it from Bytebase.
func (r *recorder) FirstRead(n int64) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.read[n]
	return t, ok
}

// Reads is how many issues have been read at least once.
func (r *recorder) Reads() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.read)
}

// Card is where issue n's first card was posted.
func (r *recorder) Card(n int64) (card, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.cards[n]
	return c, ok
}

// FirstAfter is the first event of kind for issue n at or after t.
func (r *recorder) FirstAfter(kind string, n int64, t time.Time) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var evs []time.Time
	switch kind {
	case "update":
		evs = r.updated[n]
	case "approve":
		evs = r.approved[n]
	}
	for _, e := range evs {
		if !e.Before(t) {
			return e, true
		}
	}
	return time.Time{}, false
}

// Counts reports, per issue, how many cards were posted and how many
// decisions Bytebase accepted.
func (r *recorder) Counts(n int64) (posts, decisions int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.posted[n]), len(r.approved[n]) + len(r.rejected[n])
}

// Injected is how many errors the proxy answered itself.
func (r *recorder) Injected() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.injected
}
