package activities

import (
	"strings"
	"sync"
	"time"

	"github.com/jitflow/jitflow/internal/slackui"
)

// personCache remembers email → Slack person lookups for a while.
// users.lookupByEmail is tier 3 (about 50 a minute per workspace), and a
// burst of requests names the same requesters and approvers over and over:
// without it, twenty requests in a minute would use up the tier on lookups
// alone. Only lookups by email are cached; a clicker is always looked up
// afresh (users.info), since their identity decides.
type personCache struct {
	mu      sync.Mutex
	entries map[string]cachedPerson
	now     func() time.Time // nil: time.Now
}

type cachedPerson struct {
	person slackui.Person
	until  time.Time
}

const (
	// personTTL: how long a found person is trusted; an email moving to
	// another Slack account is rare, and a mention at worst is stale.
	personTTL = 10 * time.Minute
	// noPersonTTL is shorter: someone may join Slack after requesting.
	noPersonTTL = time.Minute
	// maxPeople bounds the cache; when full, expired entries go first,
	// then all of them.
	maxPeople = 10_000
)

func (c *personCache) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

func (c *personCache) get(email string) (slackui.Person, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[strings.ToLower(email)]
	if !ok || !c.clock().Before(e.until) {
		return slackui.Person{}, false
	}
	return e.person, true
}

func (c *personCache) put(email string, p slackui.Person) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock()
	if c.entries == nil {
		c.entries = map[string]cachedPerson{}
	}
	if len(c.entries) >= maxPeople {
		for k, e := range c.entries {
			if !now.Before(e.until) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxPeople {
			clear(c.entries)
		}
	}
	ttl := personTTL
	if p.SlackID == "" {
		ttl = noPersonTTL
	}
	c.entries[strings.ToLower(email)] = cachedPerson{person: p, until: now.Add(ttl)}
}
