package slackgov

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A fast rate keeps the test short; the pacing logic is the same at 1/s.
const testRate = 20 // posts per second per channel: one turn per 50 ms

var ctx = context.Background()

func TestNothingPostsWithoutTheLease(t *testing.T) {
	g := New(testRate, 1)
	if g.Holding() || g.TryPost(ctx, "C1", 0) {
		t.Fatal("a governor that never held the lease let a post through")
	}
	if err := g.WaitPost(ctx, "C1"); !errors.Is(err, ErrNotHolder) {
		t.Fatalf("WaitPost without the lease: %v, want ErrNotHolder", err)
	}
	g.HoldUntil(time.Now().Add(30 * time.Millisecond))
	if !g.TryPost(ctx, "C1", 0) {
		t.Fatal("the holder was refused a free turn")
	}
	time.Sleep(60 * time.Millisecond) // the lease lapses, and C1's turn comes round again
	if g.Holding() || g.TryPost(ctx, "C1", 0) {
		t.Fatal("a lapsed lease still let a post through")
	}
}

func TestOneTurnPerIntervalPerChannel(t *testing.T) {
	g := New(testRate, 1)
	g.HoldUntil(time.Now().Add(time.Minute))
	if !g.TryPost(ctx, "C1", 0) {
		t.Fatal("first post refused")
	}
	if g.TryPost(ctx, "C1", 0) {
		t.Fatal("a second post in the same interval got through")
	}
	if !g.TryPost(ctx, "C2", 0) {
		t.Fatal("another channel's turn was taken by C1's post")
	}
	start := time.Now()
	if err := g.WaitPost(ctx, "C1"); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 40*time.Millisecond {
		t.Errorf("WaitPost came back after %s, before C1's next turn (50 ms)", waited)
	}
}

// A post waiting for its turn keeps it: the fast path cannot jump the queue.
func TestWaitingPostsComeFirst(t *testing.T) {
	g := New(testRate, 1)
	g.HoldUntil(time.Now().Add(time.Minute))
	if !g.TryPost(ctx, "C1", 0) {
		t.Fatal("first post refused")
	}
	done := make(chan error, 1)
	go func() { done <- g.WaitPost(ctx, "C1") }()
	time.Sleep(10 * time.Millisecond) // the waiter has reserved the next turn
	time.Sleep(50 * time.Millisecond) // and that turn has come
	if g.TryPost(ctx, "C1", 0) {
		t.Error("TryPost took the turn a waiting post had reserved")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestWaitPostGivesUpWithItsContext(t *testing.T) {
	g := New(0.1, 1) // one turn per 10 s
	g.HoldUntil(time.Now().Add(time.Minute))
	g.TryPost(ctx, "C1", 0)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := g.WaitPost(short, "C1"); err == nil {
		t.Fatal("WaitPost returned a turn 10 s away within 20 ms")
	}
}

func TestALeaseLostWhileWaitingStopsThePost(t *testing.T) {
	g := New(testRate, 1)
	g.HoldUntil(time.Now().Add(20 * time.Millisecond)) // lapses before C1's next turn, 50 ms on
	g.TryPost(ctx, "C1", 0)
	if err := g.WaitPost(ctx, "C1"); !errors.Is(err, ErrNotHolder) {
		t.Fatalf("WaitPost whose turn came after the lease lapsed: %v, want ErrNotHolder", err)
	}
}

// The fast path waits for a turn that is due within its bound, and refuses
// (giving the turn back) one that is further off.
func TestTryPostWaitsOnlyForATurnDueSoon(t *testing.T) {
	g := New(2, 1) // one turn per 500 ms, so a kept turn would show plainly
	g.HoldUntil(time.Now().Add(time.Minute))
	if !g.TryPost(ctx, "C1", 0) {
		t.Fatal("first post refused")
	}
	if g.TryPost(ctx, "C1", 10*time.Millisecond) {
		t.Fatal("took a turn 500 ms away within 10 ms")
	}
	start := time.Now()
	if !g.TryPost(ctx, "C1", 2*time.Second) {
		t.Fatal("refused a turn 500 ms away within 2 s")
	}
	// Had the refused post kept its turn, this one's would be 1 s away.
	if waited := time.Since(start); waited < 400*time.Millisecond || waited >= 900*time.Millisecond {
		t.Errorf("waited %s for a turn 500 ms away", waited)
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if g.TryPost(short, "C1", time.Second) {
		t.Fatal("TryPost took a turn after its context ended")
	}
}

// A burst lets that many posts out at once after a quiet spell, then one
// per interval.
func TestBurstAfterAQuietSpell(t *testing.T) {
	g := New(testRate, 2)
	g.HoldUntil(time.Now().Add(time.Minute))
	if !g.TryPost(ctx, "C1", 0) || !g.TryPost(ctx, "C1", 0) {
		t.Fatal("a burst of two was refused")
	}
	if g.TryPost(ctx, "C1", 0) {
		t.Fatal("a third post got through in the same instant")
	}
}
