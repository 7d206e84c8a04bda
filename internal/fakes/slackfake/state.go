package slackfake

import (
	"encoding/json"
	"fmt"
	"time"
)

// state is everything the fake remembers. Server.mu guards it.
type state struct {
	users      map[string]User
	groups     []usergroup
	messages   []*Message // channel messages and thread replies, in posting order
	ephemerals []Message
	dms        map[string]string // user ID → DM channel ID
	views      []json.RawMessage
	triggers   map[string]bool // trigger IDs already used by views.open
	calls      []Call
	faults     map[string][]fault
	latency    time.Duration
	clock      func() time.Time
	lastTS     int64 // with clock: last timestamp issued, in microseconds
}

func newState() state {
	return state{
		users:    map[string]User{},
		dms:      map[string]string{},
		triggers: map[string]bool{},
		faults:   map[string][]fault{},
	}
}

// nextTS issues a unique, increasing message timestamp like Slack's
// "1700000000.000100", from the clock.
func (st *state) nextTS() string {
	// Unique and increasing even when the clock stalls or steps back.
	st.lastTS = max(st.lastTS+1, st.clock().UnixMicro())
	return fmt.Sprintf("%d.%06d", st.lastTS/1e6, st.lastTS%1e6)
}

// find returns the channel message at ts, or nil.
func (st *state) find(channel, ts string) *Message {
	for _, m := range st.messages {
		if m.Channel == channel && m.TS == ts {
			return m
		}
	}
	return nil
}

// resolveChannel accepts channel (C…) and group (G…) IDs as they come, DM
// (D…) IDs that conversations.open issued, and user IDs, which Slack treats
// as that user's DM.
func (st *state) resolveChannel(id string) (string, *apiError) {
	switch {
	case id == "":
		return "", fail("channel_not_found")
	case id[0] == 'C' || id[0] == 'G':
		return id, nil
	case id[0] == 'D':
		for _, dm := range st.dms {
			if dm == id {
				return id, nil
			}
		}
	case id[0] == 'U' || id[0] == 'W':
		if _, ok := st.users[id]; ok {
			dm, _ := st.openDM(id)
			return dm, nil
		}
	}
	return "", fail("channel_not_found")
}

// openDM returns the user's DM channel, creating it on first use.
func (st *state) openDM(user string) (id string, existed bool) {
	if dm, ok := st.dms[user]; ok {
		return dm, true
	}
	dm := fmt.Sprintf("D%08d", len(st.dms)+1)
	st.dms[user] = dm
	return dm, false
}
