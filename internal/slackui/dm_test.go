package slackui

import (
	"strings"
	"testing"
	"time"
)

func TestDMVariants(t *testing.T) {
	noExpiry := baseCard()
	noExpiry.GrantExpiresAt, noExpiry.GrantDuration = time.Time{}, 0
	durationOnly := baseCard()
	durationOnly.GrantExpiresAt = time.Time{}
	noLink := baseCard()
	noLink.Link = ""
	done := baseCard()
	done.DecidedInBytebase = BytebaseDone
	for _, tc := range []struct{ got, want string }{
		{DMApproved(noExpiry), "\nAccess does not expire.\n"},
		{DMApproved(durationOnly), "\nAccess expires 7d after approval.\n"},
		{DMDenied(baseCard()), "*denied*.\nNo reason was given.\n"},
		{DMExpired(baseCard()), "*expired* without a decision.\n<https://"},
		{DMDecidedInBytebase(done), "was *completed* in Bytebase."},
		{DMDecidedInBytebase(baseCard()), "was *decided* in Bytebase."},
		{DMPosted(baseCard(), nil), "(step 1 of 2).\n<https://"},
	} {
		if !strings.Contains(tc.got, tc.want) {
			t.Errorf("got %q, want it to contain %q", tc.got, tc.want)
		}
	}
	if got := DMPosted(noLink, nil); strings.Contains(got, "Bytebase>") || strings.HasSuffix(got, "\n") {
		t.Errorf("no link: %q", got)
	}
}

func TestBytebaseOutcome(t *testing.T) {
	for outcome, want := range map[string]string{
		BytebaseApproved: "Approved in Bytebase",
		BytebaseRejected: "Rejected in Bytebase",
		BytebaseCanceled: "Canceled in Bytebase",
		BytebaseDone:     "Completed in Bytebase",
		"":               "Decided in Bytebase",
		"<!channel>":     "Decided in Bytebase",
	} {
		c := baseCard()
		c.State, c.DecidedInBytebase = StateDecidedInBytebase, outcome
		if got := CardText(c); !strings.HasPrefix(got, want+":") {
			t.Errorf("%q: CardText = %q", outcome, got)
		}
	}
}
