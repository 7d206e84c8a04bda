package slackui

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Cards live in workflow state, so every field must survive JSON.
func TestCardJSONRoundTrip(t *testing.T) {
	for name, c := range goldenCards() {
		raw, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var back Card
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c, back) {
			t.Errorf("%s: round trip changed the card:\n got %+v\nwant %+v", name, back, c)
		}
	}
}

func TestMention(t *testing.T) {
	for _, tc := range []struct {
		p    Person
		want string
	}{
		{Person{SlackID: "U0123ABC", Name: "Al"}, "<@U0123ABC>"},
		{Person{SlackID: "W0123ABC"}, "<@W0123ABC>"},
		{Person{SlackID: "U1><!channel", Name: "Al <x>"}, "Al &lt;x&gt;"},
		{Person{SlackID: "u0123abc", Email: "a@b.c"}, "a@b.c"},
		{Person{}, "someone"},
	} {
		if got := tc.p.Mention(); got != tc.want {
			t.Errorf("%+v.Mention() = %q, want %q", tc.p, got, tc.want)
		}
	}
}
