package slackui

import (
	"fmt"
	"strings"
)

// Escalation is who an undecided request was escalated to. The IDs are
// resolved by jitflow (a handle such as "@db-oncall" via usergroups.list);
// only ID-shaped values are ever rendered as mentions.
type Escalation struct {
	Channel         string   `json:"channel,omitempty"`     // escalation channel ID
	UsergroupID     string   `json:"usergroupId,omitempty"` // S…
	UsergroupHandle string   `json:"usergroupHandle,omitempty"`
	Users           []string `json:"users,omitempty"` // Slack user IDs
}

// Mentions renders the user group and users as mentions:
// "<!subteam^S123|@db-oncall> <@U0LEAD>". IDs that don't look like Slack's
// are skipped, never shown as text.
func (e Escalation) Mentions() string {
	var ms []string
	if isSlackID(e.UsergroupID, "S") {
		ms = append(ms, usergroupMention(e.UsergroupID, e.UsergroupHandle))
	}
	for _, u := range e.Users {
		if isSlackUserID(u) {
			ms = append(ms, "<@"+u+">")
		}
	}
	return listMentions(ms, " ")
}

// target names where the request went: the mentions, and the channel.
func (e Escalation) target() string {
	who, where := e.Mentions(), channelLink(e.Channel)
	switch {
	case who != "" && where != "":
		return who + " in " + where
	case who != "":
		return who
	case where != "":
		return where
	}
	return "on-call"
}

// usergroupMention labels the mention with the handle only when the handle
// is plain (letters, digits, ".", "_", "-"): the label sits inside markup.
func usergroupMention(id, handle string) string {
	handle = strings.TrimPrefix(handle, "@")
	if handle == "" || len(handle) > 80 || strings.IndexFunc(handle, notHandleRune) >= 0 {
		return "<!subteam^" + id + ">"
	}
	return "<!subteam^" + id + "|@" + handle + ">"
}

func notHandleRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
}

// personMentions renders people as mentions (or names, for people without
// a Slack account).
func personMentions(people []Person) []string {
	ms := make([]string, len(people))
	for i, p := range people {
		ms[i] = p.Mention()
	}
	return ms
}

// listMentions joins mentions with sep, duplicates dropped. Past
// maxMentions it counts the rest ("and 3 more"): a mention can't be cut,
// and a long list pings too many people anyway.
func listMentions(ms []string, sep string) string {
	var kept []string
	seen := map[string]bool{}
	for _, m := range ms {
		if !seen[m] {
			seen[m] = true
			kept = append(kept, m)
		}
	}
	if len(kept) <= maxMentions {
		return strings.Join(kept, sep)
	}
	return strings.Join(kept[:maxMentions], sep) + fmt.Sprintf(" and %d more", len(kept)-maxMentions)
}
