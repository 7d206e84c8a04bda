package slackui

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// slackDate renders t in each reader's own time zone; the fallback (UTC) is
// for clients that can't.
func slackDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>",
		t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

// shortDuration renders d as "7d", "1d 6h", "45m".
func shortDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	if d < time.Minute {
		return "<1m"
	}
	days, rest := d/(24*time.Hour), d%(24*time.Hour)
	hours, minutes := rest/time.Hour, rest%time.Hour/time.Minute
	var parts []string
	for _, p := range []struct {
		n    time.Duration
		unit string
	}{{days, "d"}, {hours, "h"}, {minutes, "m"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d%s", p.n, p.unit))
		}
	}
	return strings.Join(parts, " ")
}

// stepOf renders "1 of 2", tolerating a card that never set TotalSteps.
func stepOf(step, total int) string {
	step = max(step, 1)
	return fmt.Sprintf("%d of %d", step, max(total, step))
}

// databaseSummary names the first database (escaped, at most nameLimit
// runes) and counts the rest.
func databaseSummary(dbs []string, nameLimit int) string {
	switch len(dbs) {
	case 0:
		return "no databases"
	case 1:
		return EscapeTruncate(dbs[0], nameLimit)
	}
	return fmt.Sprintf("%s +%d more", EscapeTruncate(dbs[0], nameLimit), len(dbs)-1)
}

// databaseList lists as many escaped database names as fit in limit runes
// and counts the rest.
func databaseList(dbs []string, limit int) string {
	if len(dbs) == 0 {
		return "—"
	}
	var b strings.Builder
	for i, db := range dbs {
		name := EscapeTruncate(db, maxDatabase)
		if i > 0 {
			name = ", " + name
		}
		more := fmt.Sprintf(" +%d more", len(dbs)-i-1)
		if i == len(dbs)-1 {
			more = ""
		}
		if runes(b.String())+runes(name)+runes(more) > limit {
			return b.String() + fmt.Sprintf(" +%d more", len(dbs)-i)
		}
		b.WriteString(name)
	}
	return b.String()
}

// bytebaseLink renders the issue link as mrkdwn, or "" when Link is not an
// http(s) URL. The URL comes from jitflow, but |, < and > are still encoded
// so it can never close the link early.
func bytebaseLink(link string) string {
	u, ok := httpURL(link)
	if !ok {
		return ""
	}
	safe := strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C").Replace(u)
	return "<" + safe + "|Open in Bytebase>"
}

// httpURL returns link normalized, if it is an absolute http(s) URL of a
// sane length.
func httpURL(link string) (string, bool) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || runes(link) > maxLink {
		return "", false
	}
	return u.String(), true
}
