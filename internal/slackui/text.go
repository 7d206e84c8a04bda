package slackui

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes user text inert in mrkdwn. Slack treats only &, < and > as
// control characters, so those are the only ones replaced.
func Escape(s string) string {
	return encode(s, -1, escapeRune)
}

// Truncate shortens s to at most limit runes, ending with "…" when it cuts.
func Truncate(s string, limit int) string {
	return encode(s, max(limit, 0), plainRune)
}

// EscapeTruncate escapes s and shortens the result to at most limit runes.
// It cuts before escaping, so an entity like &amp; is never split.
func EscapeTruncate(s string, limit int) string {
	return encode(s, max(limit, 0), escapeRune)
}

// quote escapes s as a mrkdwn block quote of at most limit runes: every
// line starts with ">".
func quote(s string, limit int) string {
	if limit < 2 {
		return ""
	}
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r", ""))
	return ">" + encode(s, limit-1, quoteRune)
}

func plainRune(r rune) string { return string(r) }

func escapeRune(r rune) string {
	switch r {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	}
	return string(r)
}

func quoteRune(r rune) string {
	if r == '\n' {
		return "\n>"
	}
	return escapeRune(r)
}

// encode maps s rune by rune through enc. With limit ≥ 0 it stops before
// the output would exceed limit runes and ends with "…"; a negative limit
// means none.
func encode(s string, limit int, enc func(rune) string) string {
	if limit == 0 {
		return ""
	}
	var b strings.Builder
	n := 0
	cut := -1 // output length in bytes at the last point "…" still fitted after it
	for _, r := range s {
		e := enc(r)
		w := utf8.RuneCountInString(e)
		if limit > 0 {
			if cut < 0 && n+w > limit-1 {
				cut = b.Len()
			}
			if n+w > limit {
				return strings.TrimRightFunc(b.String()[:cut], unicode.IsSpace) + "…"
			}
		}
		b.WriteString(e)
		n += w
	}
	return b.String()
}

// runes counts the runes in s; Block Kit limits are in characters.
func runes(s string) int { return utf8.RuneCountInString(s) }
