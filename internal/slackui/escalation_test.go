package slackui

import (
	"fmt"
	"strings"
	"testing"
)

func TestEscalationMentions(t *testing.T) {
	var many []string
	for i := range 12 {
		many = append(many, fmt.Sprintf("U%03d", i))
	}
	for _, tc := range []struct {
		e    Escalation
		want string
	}{
		{oncall, "<!subteam^S0ONCALL|@db-oncall> <@U0LEAD>"},
		{Escalation{UsergroupID: "S123", UsergroupHandle: "db-oncall"}, "<!subteam^S123|@db-oncall>"},
		{Escalation{UsergroupID: "S123"}, "<!subteam^S123>"},
		{Escalation{UsergroupID: "S123", UsergroupHandle: "@x|<!channel>"}, "<!subteam^S123>"},
		{Escalation{UsergroupID: "@db-oncall", UsergroupHandle: "@db-oncall"}, ""},
		{Escalation{UsergroupID: "S1><!channel>"}, ""},
		{Escalation{Users: []string{"W0GRID", "u0lower", "<!here>", "U0LEAD", "U0LEAD"}}, "<@W0GRID> <@U0LEAD>"},
		{Escalation{Users: many}, strings.Join(prefixed("<@", many[:10], ">"), " ") + " and 2 more"},
		{Escalation{Channel: "C0ONCALL"}, ""},
	} {
		if got := tc.e.Mentions(); got != tc.want {
			t.Errorf("%+v.Mentions() = %q, want %q", tc.e, got, tc.want)
		}
	}
}

func prefixed(pre string, ids []string, post string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = pre + id + post
	}
	return out
}

func TestChannelLink(t *testing.T) {
	for id, want := range map[string]string{
		"C0DBACCESS": "<#C0DBACCESS>",
		"G0PRIVATE":  "<#G0PRIVATE>",
		"D0DM":       "",
		"#db-access": "",
		"C1><!here>": "",
		"":           "",
	} {
		if got := channelLink(id); got != want {
			t.Errorf("channelLink(%q) = %q, want %q", id, got, want)
		}
	}
}
