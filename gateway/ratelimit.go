package gateway

import (
	"container/list"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// RateLimit is a token bucket per client IP on the public endpoints.
// Bytebase and Slack each call from a handful of addresses at a few requests
// a minute, so the defaults only bite on floods. Behind a proxy every client
// shares the proxy's address: X-Forwarded-For is client-controlled and not
// trusted here.
type RateLimit struct {
	PerSecond float64 // sustained requests per second per IP
	Burst     int     // requests allowed at once
	MaxIPs    int     // buckets kept; the least recently seen IP is forgotten first
}

// DefaultRateLimit fills in the fields of Config.RateLimit left zero.
var DefaultRateLimit = RateLimit{PerSecond: 10, Burst: 40, MaxIPs: 10_000}

// ipLimiter holds at most MaxIPs buckets, so memory stays bounded however
// many addresses a flood comes from.
type ipLimiter struct {
	cfg RateLimit
	now func() time.Time

	mu      sync.Mutex
	buckets map[string]*list.Element // of *ipBucket
	lru     *list.List               // front: most recently seen
}

type ipBucket struct {
	ip  string
	lim *rate.Limiter
}

func newIPLimiter(cfg RateLimit) *ipLimiter {
	if cfg.PerSecond <= 0 {
		cfg.PerSecond = DefaultRateLimit.PerSecond
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultRateLimit.Burst
	}
	if cfg.MaxIPs <= 0 {
		cfg.MaxIPs = DefaultRateLimit.MaxIPs
	}
	return &ipLimiter{cfg: cfg, now: time.Now, buckets: map[string]*list.Element{}, lru: list.New()}
}

// allow takes a token from ip's bucket; when there is none it says how long
// until there will be.
func (l *ipLimiter) allow(ip string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.buckets[ip]
	if ok {
		l.lru.MoveToFront(el)
	} else {
		if l.lru.Len() >= l.cfg.MaxIPs {
			oldest := l.lru.Back()
			l.lru.Remove(oldest)
			delete(l.buckets, oldest.Value.(*ipBucket).ip)
		}
		el = l.lru.PushFront(&ipBucket{ip: ip, lim: rate.NewLimiter(rate.Limit(l.cfg.PerSecond), l.cfg.Burst)})
		l.buckets[ip] = el
	}
	lim := el.Value.(*ipBucket).lim
	if lim.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - lim.TokensAt(now)
	return false, time.Duration(missing / l.cfg.PerSecond * float64(time.Second))
}

func (l *ipLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// middleware answers 429 with Retry-After when the caller's bucket is empty.
func (l *ipLimiter) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ok, wait := l.allow(c.RealIP())
		if !ok {
			secs := max(1, int(math.Ceil(wait.Seconds())))
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
			return echo.NewHTTPError(http.StatusTooManyRequests, "too many requests; slow down")
		}
		return next(c)
	}
}
