package slackfake

import (
	"bytes"
	"maps"
	"time"
)

// Call is one request the fake received, whatever it answered.
type Call struct {
	Method string            // e.g. "chat.postMessage"
	Params map[string]string // form or JSON fields, without the token
	Body   []byte            // the raw request body
	Time   time.Time
}

// Calls returns every request received, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.st.calls))
	for i, c := range s.st.calls {
		c.Params = maps.Clone(c.Params)
		c.Body = bytes.Clone(c.Body)
		out[i] = c
	}
	return out
}

// CallCount counts the requests received for method.
func (s *Server) CallCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.st.calls {
		if c.Method == method {
			n++
		}
	}
	return n
}
