package slackui

import (
	"strings"
	"testing"
)

func TestEphemerals(t *testing.T) {
	c := goldenCards()["hostile"]
	for _, tc := range []struct{ got, want string }{
		{EphemeralDone(ActionApprove, baseCard()), "✅ You approved step 1 of 2 (Workspace DBA) of *SQL Editor User* on *hr_prod +1 more* for <@U0ALICE>."},
		{EphemeralDone(ActionDeny, baseCard()), "❌ You denied *SQL Editor User* on *hr_prod +1 more* for <@U0ALICE>."},
		{EphemeralRefused("you are not a <Workspace DBA>"), "🚫 you are not a &lt;Workspace DBA&gt;"},
		{EphemeralStale(goldenCards()["denied_with_reason"]), "This request is no longer waiting for you.\n❌ *Denied* by <@U0DBA>"},
		{EphemeralDone(ActionApprove, c), "Role &lt;b&gt;"},
	} {
		if !strings.Contains(tc.got, tc.want) {
			t.Errorf("got %q, want it to contain %q", tc.got, tc.want)
		}
	}
}
