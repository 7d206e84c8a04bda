package bytebase

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

const (
	maxResponseBytes = 4 << 20
	// renewMargin is how long before expiry a token is replaced, so a call
	// never starts with a token about to lapse.
	renewMargin = 5 * time.Minute
	// defaultTokenTTL is Bytebase's token lifetime, assumed when the token's
	// expiry cannot be read.
	defaultTokenTTL = time.Hour
)

// Client calls Bytebase's REST API as a service account. It is safe for
// concurrent use; concurrent callers share one login.
type Client struct {
	baseURL  string
	linkBase string
	account  string
	key      string
	http     *http.Client
	now      func() time.Time
	log      *slog.Logger

	mu       sync.Mutex
	token    string
	renewAt  time.Time
	inflight *loginCall
}

// loginCall is one login that concurrent callers wait for.
type loginCall struct {
	done      chan struct{}
	token     string
	err       error
	abandoned bool // the leader's context ended; waiters should try themselves
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: 30 s timeout).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithClock sets the clock used for token expiry.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithLinkBaseURL sets the base of Issue.Link when users reach Bytebase under
// a different URL (its External URL) than the service does. Default: baseURL.
func WithLinkBaseURL(u string) Option {
	return func(c *Client) { c.linkBase = strings.TrimRight(u, "/") }
}

// New returns a client for the Bytebase at baseURL, logging in as
// serviceAccount (name@service.bytebase.com) with serviceKey.
func New(baseURL, serviceAccount, serviceKey string, opts ...Option) *Client {
	c := &Client{
		baseURL: strings.TrimRight(baseURL, "/"),
		account: serviceAccount,
		key:     serviceKey,
		http:    &http.Client{Timeout: 30 * time.Second},
		now:     time.Now,
		log:     slog.New(slog.DiscardHandler),
	}
	c.linkBase = c.baseURL
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL returns the API base URL without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// Login forces a fresh login, which readiness checks use to prove the
// credentials work. A login already in flight counts as fresh.
func (c *Client) Login(ctx context.Context) error {
	_, err := c.getToken(ctx, "", true)
	return err
}

// getToken returns a usable token. rejected is a token the server just refused;
// it is not handed out again. force skips the cache.
func (c *Client) getToken(ctx context.Context, rejected string, force bool) (string, error) {
	for {
		c.mu.Lock()
		if !force && c.token != "" && c.token != rejected && c.now().Before(c.renewAt) {
			tok := c.token
			c.mu.Unlock()
			return tok, nil
		}
		if call := c.inflight; call != nil {
			c.mu.Unlock()
			select {
			case <-call.done:
			case <-ctx.Done():
				return "", fmt.Errorf("bytebase login: %w", ctx.Err())
			}
			if call.abandoned {
				continue
			}
			return call.token, call.err
		}
		call := &loginCall{done: make(chan struct{})}
		c.inflight = call
		c.mu.Unlock()

		tok, expires, err := c.login(ctx)

		c.mu.Lock()
		if err == nil {
			c.token = tok
			c.renewAt = renewTime(c.now(), expires)
		}
		call.token, call.err = tok, err
		// Sharing the leader's cancellation with waiters would fail their calls
		// for a reason that is not theirs.
		call.abandoned = err != nil && ctx.Err() != nil
		c.inflight = nil
		c.mu.Unlock()
		close(call.done)
		return tok, err
	}
}

// renewTime picks when to replace a token expiring at expires. A bogus or
// already-past expiry (clock skew) falls back to the default lifetime; a
// token that then lapses early is caught by the re-login on 401.
func renewTime(now, expires time.Time) time.Time {
	life := expires.Sub(now)
	if expires.IsZero() || life <= 0 {
		life = defaultTokenTTL
	}
	return now.Add(life - min(renewMargin, life/2))
}

func (c *Client) login(ctx context.Context) (string, time.Time, error) {
	body, err := json.Marshal(struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Web      bool   `json:"web"`
	}{c.account, c.key, false})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("bytebase login as %s: %w", c.account, err)
	}
	var resp struct {
		Token string `json:"token"`
	}
	if err := c.send(ctx, http.MethodPost, "/v1/auth/login", nil, body, "", &resp); err != nil {
		return "", time.Time{}, fmt.Errorf("bytebase login as %s: %w", c.account, err)
	}
	if resp.Token == "" {
		return "", time.Time{}, fmt.Errorf("bytebase login as %s: response has no token", c.account)
	}
	expires := tokenExpiry(resp.Token)
	c.log.DebugContext(ctx, "bytebase login", "account", c.account, "expires", expires)
	return resp.Token, expires, nil
}

// tokenExpiry reads exp from a JWT payload without verifying it (the server
// does that); zero if the token is not a readable JWT.
func tokenExpiry(token string) time.Time {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp <= 0 || claims.Exp > 1e11 {
		return time.Time{}
	}
	return time.Unix(int64(claims.Exp), 0)
}

// call sends an authenticated request, logging in again and retrying once if
// the token is refused. in is marshalled as the body when non-nil; out receives
// the decoded response when non-nil.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
	}
	tok, err := c.getToken(ctx, "", false)
	if err != nil {
		return err
	}
	err = c.send(ctx, method, path, query, body, tok, out)
	if !errors.Is(err, ErrUnauthorized) {
		return err
	}
	c.log.InfoContext(ctx, "bytebase token refused; logging in again", "method", method, "path", path)
	if tok, err = c.getToken(ctx, tok, false); err != nil {
		return err
	}
	return c.send(ctx, method, path, query, body, tok, out)
}

// send performs one HTTP exchange.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, body []byte, token string, out any) error {
	u := c.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &transportError{fmt.Errorf("%s %s: %w", method, path, err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return &transportError{fmt.Errorf("%s %s: read response: %w", method, path, err)}
	}
	if len(data) > maxResponseBytes {
		return fmt.Errorf("%s %s: response exceeds %d bytes", method, path, maxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newAPIError(resp.StatusCode, data, method, path)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode response: %w", method, path, err)
	}
	return nil
}

func newAPIError(status int, body []byte, method, path string) *APIError {
	e := &APIError{HTTPStatus: status, Method: method, Path: path}
	var wire struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &wire) == nil {
		e.Code, e.Message = wire.Code, wire.Message
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}
