package main

import (
	"bytes"
	"context"
	"strings"
	"time"

	"github.com/jitflow/jitflow/internal/fakes/slackfake"
)

// A failure is shown on the card while it lasts: when a Bytebase call keeps
// failing (for more than about 10 s), jitflow puts a warning on the card
// ("⚠️ … Bytebase …") and takes it off once the call goes through.

// warningSign is U+26A0, with or without the emoji variation selector.
const warningSign = "⚠"

// showsWarning: the message's text or blocks carry the warning sign.
func showsWarning(m slackfake.Message) bool {
	return strings.Contains(m.Text, warningSign) || bytes.Contains(m.Blocks, []byte(warningSign))
}

// warned lists the issues whose card shows the warning now.
func (e *env) warned(issues []int64) []int64 {
	var out []int64
	for _, n := range issues {
		if _, m, err := e.card(n); err == nil && showsWarning(m) {
			out = append(out, n)
		}
	}
	return out
}

// watchWarnings samples the cards of issues every 250 ms for d and returns,
// for each issue whose card showed the warning, how long after since it was
// first seen.
func (e *env) watchWarnings(ctx context.Context, issues []int64, since time.Time, d time.Duration) map[int64]time.Duration {
	seen := map[int64]time.Duration{}
	end := time.Now().Add(d)
	for time.Now().Before(end) && ctx.Err() == nil {
		for _, n := range e.warned(issues) {
			if _, ok := seen[n]; !ok {
				seen[n] = time.Since(since)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(250*time.Millisecond, time.Until(end))):
		}
	}
	return seen
}
