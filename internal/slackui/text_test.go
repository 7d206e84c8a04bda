package slackui

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	got := Escape(`<!channel> & <https://x|y> "*bold*"`)
	want := `&lt;!channel&gt; &amp; &lt;https://x|y&gt; "*bold*"`
	if got != want {
		t.Errorf("Escape = %q, want %q", got, want)
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int
		want  string
	}{
		{"hello", 5, "hello"},
		{"hello", 4, "hel…"},
		{"hello", 1, "…"},
		{"hello", 0, ""},
		{"hello", -1, ""},
		{"héllo wörld", 7, "héllo…"}, // trailing space before the cut is dropped
		{"日本語テキスト", 4, "日本語…"},
		{"", 3, ""},
	} {
		if got := Truncate(tc.in, tc.limit); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
		if n := runes(Truncate(tc.in, tc.limit)); n > max(tc.limit, 0) {
			t.Errorf("Truncate(%q, %d) has %d runes", tc.in, tc.limit, n)
		}
	}
}

func TestEscapeTruncateKeepsEntitiesWhole(t *testing.T) {
	for limit := 1; limit < 40; limit++ {
		got := EscapeTruncate(strings.Repeat("a&<>", 10), limit)
		if runes(got) > limit {
			t.Fatalf("limit %d: %q is too long", limit, got)
		}
		body := strings.TrimSuffix(got, "…")
		for _, e := range []string{"&amp;", "&lt;", "&gt;"} {
			body = strings.ReplaceAll(body, e, "")
		}
		if strings.ContainsAny(body, "&<>") {
			t.Fatalf("limit %d: split entity in %q", limit, got)
		}
	}
}

func TestQuote(t *testing.T) {
	got := quote("line 1\r\n<line 2>\n", 100)
	if want := ">line 1\n>&lt;line 2&gt;"; got != want {
		t.Errorf("quote = %q, want %q", got, want)
	}
	if got := quote(strings.Repeat("\n", 50), 10); runes(got) > 10 {
		t.Errorf("quote of blank lines = %q", got)
	}
	if got := quote(strings.Repeat("x\n", 50), 10); runes(got) > 10 {
		t.Errorf("quote too long: %q", got)
	}
}
