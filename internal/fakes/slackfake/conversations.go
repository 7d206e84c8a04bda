package slackfake

import (
	"slices"
	"strconv"
	"strings"
)

// openConversation opens (or finds) the bot's DM with one user. Group DMs
// are not faked.
func (st *state) openConversation(p params) (result, *apiError) {
	var user string
	switch {
	case p.get("users") != "":
		users := strings.Split(p.get("users"), ",")
		if len(users) != 1 {
			return nil, fail("invalid_arguments")
		}
		user = strings.TrimSpace(users[0])
		if _, ok := st.users[user]; !ok {
			return nil, fail("user_not_found")
		}
	case p.get("channel") != "":
		for u, dm := range st.dms {
			if dm == p.get("channel") {
				user = u
			}
		}
		if user == "" {
			return nil, fail("channel_not_found")
		}
	default:
		return nil, fail("users_list_not_supplied")
	}
	dm, existed := st.openDM(user)
	return result{
		"no_op":        existed,
		"already_open": existed,
		"channel": map[string]any{
			"id":      dm,
			"created": 1700000000,
			"is_im":   true,
			"is_open": true,
			"user":    user,
		},
	}, nil
}

// history lists a channel's top-level messages, newest first, honouring
// latest/oldest/inclusive/limit and paging with a cursor. Metadata comes
// only with include_all_metadata, as in Slack.
func (st *state) history(p params) (result, *apiError) {
	channel, err := st.resolveChannel(p.get("channel"))
	if err != nil {
		return nil, err
	}
	limit := 100
	if n, err := strconv.Atoi(p.get("limit")); err == nil && n > 0 {
		limit = min(n, 999)
	}
	latest, oldest, inclusive := p.get("latest"), p.get("oldest"), p.flag("inclusive")
	if c := p.get("cursor"); c != "" {
		latest, inclusive = c, false // the cursor is the last ts already returned
	}
	var page []map[string]any
	hasMore := false
	for _, m := range slices.Backward(st.messages) {
		if m.Channel != channel || m.ThreadTS != "" ||
			!after(m.TS, oldest, inclusive) || !before(m.TS, latest, inclusive) {
			continue
		}
		if len(page) == limit {
			hasMore = true
			break
		}
		page = append(page, m.wire(p.flag("include_all_metadata")))
	}
	res := result{"messages": page, "has_more": hasMore}
	if page == nil {
		res["messages"] = []any{}
	}
	if hasMore {
		res["response_metadata"] = map[string]any{"next_cursor": page[len(page)-1]["ts"]}
	}
	return res, nil
}

// Timestamps compare as numbers; all the fake issues have the same shape,
// so they also compare as strings.
func after(ts, oldest string, inclusive bool) bool {
	return oldest == "" || ts > oldest || (inclusive && ts == oldest)
}

func before(ts, latest string, inclusive bool) bool {
	return latest == "" || ts < latest || (inclusive && ts == latest)
}

// replies lists a thread, oldest first: its parent, then the replies,
// honouring latest/oldest/inclusive/limit and paging with a cursor. As in
// Slack, ts may be the parent's or any reply's, a message without replies
// comes back alone, the parent leads the first page whatever the time range
// (later pages leave it off), and metadata comes only with
// include_all_metadata. The cursor is opaque to callers; here it is the ts
// of the first reply not yet returned.
func (st *state) replies(p params) (result, *apiError) {
	channel, err := st.resolveChannel(p.get("channel"))
	if err != nil {
		return nil, err
	}
	parent := st.find(channel, p.get("ts"))
	if parent != nil && parent.ThreadTS != "" {
		parent = st.find(channel, parent.ThreadTS)
	}
	if parent == nil {
		return nil, fail("thread_not_found") // also for a missing ts, as in Slack
	}
	limit := 1000
	if n, err := strconv.Atoi(p.get("limit")); err == nil && n > 0 {
		limit = min(n, 1000)
	}
	latest, oldest, inclusive := p.get("latest"), p.get("oldest"), p.flag("inclusive")
	from, fromInclusive := oldest, inclusive
	withMetadata := p.flag("include_all_metadata")
	replies := st.replyMessages(parent)
	var page []map[string]any
	if c := p.get("cursor"); c != "" {
		if !slices.ContainsFunc(replies, func(m *Message) bool { return m.TS == c }) {
			return nil, fail("invalid_cursor")
		}
		from, fromInclusive = c, true
	} else {
		head := parent.wire(withMetadata)
		if len(replies) > 0 {
			head["thread_ts"] = parent.TS
			head["reply_count"] = len(replies)
			head["reply_users_count"] = 1
			head["reply_users"] = []string{BotUserID}
			head["latest_reply"] = replies[len(replies)-1].TS
		}
		page = append(page, head)
	}
	next := ""
	for _, m := range replies {
		if !after(m.TS, from, fromInclusive) || !before(m.TS, latest, inclusive) {
			continue
		}
		if len(page) == limit {
			next = m.TS
			break
		}
		w := m.wire(withMetadata)
		w["parent_user_id"] = BotUserID
		page = append(page, w)
	}
	res := result{"messages": page, "has_more": next != ""}
	if page == nil {
		res["messages"] = []any{}
	}
	if next != "" {
		res["response_metadata"] = map[string]any{"next_cursor": next}
	}
	return res, nil
}

// replyMessages returns parent's replies in posting order.
func (st *state) replyMessages(parent *Message) []*Message {
	var out []*Message
	for _, m := range st.messages {
		if m.Channel == parent.Channel && m.ThreadTS == parent.TS {
			out = append(out, m)
		}
	}
	return out
}
