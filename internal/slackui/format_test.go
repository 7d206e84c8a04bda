package slackui

import (
	"strings"
	"testing"
	"time"
)

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		7 * 24 * time.Hour:            "7d",
		30*time.Hour + 15*time.Minute: "1d 6h 15m",
		45 * time.Minute:              "45m",
		2 * time.Hour:                 "2h",
		10 * time.Second:              "<1m",
		24*time.Hour + 59*time.Second: "1d 1m",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestBytebaseLink(t *testing.T) {
	for link, want := range map[string]string{
		"https://bb.example.com/issues/1":      "<https://bb.example.com/issues/1|Open in Bytebase>",
		"http://bb:8080/x?a=1&b=2":             "<http://bb:8080/x?a=1&amp;b=2|Open in Bytebase>",
		"https://bb/x?q=|<evil>":               "<https://bb/x?q=%7C%3Cevil%3E|Open in Bytebase>",
		"javascript:alert(1)":                  "",
		"ftp://bb/x":                           "",
		"/relative/path":                       "",
		"":                                     "",
		"https://" + strings.Repeat("a", 2000): "",
	} {
		if got := bytebaseLink(link); got != want {
			t.Errorf("bytebaseLink(%q) = %q, want %q", link, got, want)
		}
	}
}

func TestDatabaseList(t *testing.T) {
	if got := databaseList([]string{"a", "b<"}, 100); got != "a, b&lt;" {
		t.Errorf("got %q", got)
	}
	var many []string
	for range 100 {
		many = append(many, "database_name")
	}
	got := databaseList(many, 100)
	if runes(got) > 100 || !strings.HasSuffix(got, "more") {
		t.Errorf("got %q (%d runes)", got, runes(got))
	}
	if got := databaseList(nil, 100); got != "—" {
		t.Errorf("empty list: %q", got)
	}
}

func TestStepOf(t *testing.T) {
	for _, tc := range []struct {
		step, total int
		want        string
	}{{1, 2, "1 of 2"}, {0, 0, "1 of 1"}, {3, 2, "3 of 3"}} {
		if got := stepOf(tc.step, tc.total); got != tc.want {
			t.Errorf("stepOf(%d, %d) = %q, want %q", tc.step, tc.total, got, tc.want)
		}
	}
}
