package activities

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/slackui"
)

func TestFindSlackUserIsCachedForAWhile(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	f.acts.people.now = func() time.Time { return now }
	f.slack.AddUser(slackfake.User{ID: "UALICE", Name: "alice", RealName: "Alice DBA", Email: "alice@example.com"})
	lookups := func() int { return f.slack.CallCount("users.lookupByEmail") }

	for _, email := range []string{"alice@example.com", "Alice@Example.com", "alice@example.com"} {
		p, err := f.acts.FindSlackUser(ctx, email)
		if err != nil || p.SlackID != "UALICE" {
			t.Fatalf("%s: %+v, %v", email, p, err)
		}
	}
	if got := lookups(); got != 1 {
		t.Fatalf("users.lookupByEmail called %d times for one person, want 1", got)
	}
	now = now.Add(personTTL)
	if p, err := f.acts.FindSlackUser(ctx, "alice@example.com"); err != nil || p.SlackID != "UALICE" || lookups() != 2 {
		t.Fatalf("after the TTL: %+v, %v, %d lookups, want a fresh one", p, err, lookups())
	}

	// Not in Slack: remembered for a shorter while, then asked again.
	if p, err := f.acts.FindSlackUser(ctx, "new@example.com"); err != nil || p.SlackID != "" {
		t.Fatalf("unknown: %+v, %v", p, err)
	}
	f.slack.AddUser(slackfake.User{ID: "UNEW", Name: "new", Email: "new@example.com"})
	if p, _ := f.acts.FindSlackUser(ctx, "new@example.com"); p.SlackID != "" || lookups() != 3 {
		t.Fatalf("within a minute: %+v, %d lookups", p, lookups())
	}
	now = now.Add(noPersonTTL)
	if p, _ := f.acts.FindSlackUser(ctx, "new@example.com"); p.SlackID != "UNEW" || lookups() != 4 {
		t.Fatalf("after a minute: %+v, %d lookups", p, lookups())
	}
}

func TestFindSlackUserFailureIsNotCached(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.slack.Close() // connection refused
	if _, err := f.acts.FindSlackUser(ctx, "alice@example.com"); err == nil {
		t.Fatal("no error with Slack down")
	}
	if _, ok := f.acts.people.get("alice@example.com"); ok {
		t.Fatal("a failed lookup was cached")
	}
}

func TestPeopleCacheIsBounded(t *testing.T) {
	var c personCache
	now := time.Now()
	c.now = func() time.Time { return now }
	for i := range maxPeople + 5 {
		c.put(fmt.Sprintf("u%d@example.com", i), slackui.Person{SlackID: fmt.Sprintf("U%d", i)})
	}
	if n := len(c.entries); n > maxPeople {
		t.Fatalf("%d entries, bound %d", n, maxPeople)
	}
}
