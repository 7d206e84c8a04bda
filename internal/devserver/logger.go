package devserver

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"

	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// discardLogger silences the SDK client devserver uses for its own set-up calls.
type discardLogger struct{}

func (discardLogger) Debug(string, ...any) {}
func (discardLogger) Info(string, ...any)  {}
func (discardLogger) Warn(string, ...any)  {}
func (discardLogger) Error(string, ...any) {}

// serverLogger sends the embedded server's logs to slog at or above a level,
// and drops them while the server starts and once it is stopping: bringing
// an in-process cluster up or down logs bursts of "not healthy yet" / "not
// enough hosts" errors that mean nothing to a jitflow user. A start that
// really fails returns its error from Start.
type serverLogger struct {
	out      *slog.Logger
	level    slog.Level
	stopping *atomic.Bool // quiet: starting or stopping
	tags     []tag.Tag
}

var _ tlog.Logger = (*serverLogger)(nil)

func newServerLogger(out *slog.Logger, level string) *serverLogger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelError
	}
	quiet := new(atomic.Bool)
	quiet.Store(true) // until Start has seen the frontend answer
	return &serverLogger{out: out.With("component", "temporal-server"), level: l, stopping: quiet}
}

func (s *serverLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	if level < s.level || s.stopping.Load() {
		return
	}
	attrs := make([]slog.Attr, 0, len(s.tags)+len(tags))
	for _, group := range [][]tag.Tag{s.tags, tags} {
		for _, t := range group {
			if t.Key() == "logging-call-at" {
				continue
			}
			attrs = append(attrs, slog.Any(t.Key(), t.Value()))
		}
	}
	s.out.LogAttrs(context.Background(), level, msg, attrs...)
}

func (s *serverLogger) Debug(msg string, tags ...tag.Tag)  { s.log(slog.LevelDebug, msg, tags) }
func (s *serverLogger) Info(msg string, tags ...tag.Tag)   { s.log(slog.LevelInfo, msg, tags) }
func (s *serverLogger) Warn(msg string, tags ...tag.Tag)   { s.log(slog.LevelWarn, msg, tags) }
func (s *serverLogger) Error(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }
func (s *serverLogger) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }
func (s *serverLogger) Panic(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError, msg, tags)
	panic(msg)
}
func (s *serverLogger) Fatal(msg string, tags ...tag.Tag) {
	s.stopping.Store(false) // a fatal error is always shown
	s.log(slog.LevelError, msg, tags)
	os.Exit(1)
}

// With keeps the tags for every later line; it shares the stopping switch.
func (s *serverLogger) With(tags ...tag.Tag) tlog.Logger {
	c := *s
	c.tags = append(append([]tag.Tag(nil), s.tags...), tags...)
	return &c
}
