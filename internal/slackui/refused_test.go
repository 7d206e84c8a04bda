package slackui

import (
	"strings"
	"testing"
)

func TestRefusedReply(t *testing.T) {
	got := RefusedReply(Person{SlackID: "UEVE", Name: "Eve"}, ActionApprove, 2, 2, "You don't hold <!channel> roles/workspaceDBA")
	want := "🚫 <@UEVE> tried to approve step 2 of 2: refused. You don't hold &lt;!channel&gt; roles/workspaceDBA"
	if got != want {
		t.Errorf("RefusedReply =\n%q\nwant\n%q", got, want)
	}
	if got := RefusedReply(Person{Email: "x@example.com"}, ActionDeny, 1, 1, "r"); !strings.Contains(got, "tried to deny step 1 of 1") {
		t.Errorf("deny: %q", got)
	}
}
