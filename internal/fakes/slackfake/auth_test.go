package slackfake

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/slack-go/slack"
)

func TestAuthTest(t *testing.T) {
	f, api := newFake(t)
	res, err := api.AuthTest()
	if err != nil {
		t.Fatal(err)
	}
	if res.UserID != BotUserID || res.TeamID != TeamID || res.BotID != BotID {
		t.Errorf("auth.test = %+v", res)
	}
	if n := f.CallCount("auth.test"); n != 1 {
		t.Errorf("CallCount = %d", n)
	}
}

func TestTokenChecked(t *testing.T) {
	f, _ := newFake(t)
	for _, tok := range []string{"xoxb-wrong", ""} {
		api := slack.New(tok, slack.OptionAPIURL(f.URL()))
		_, err := api.AuthTest()
		wantSlackError(t, err, "invalid_auth")
		// JSON methods carry the token in the Authorization header.
		_, err = api.OpenView("trigger", slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, "Deny", false, false)})
		wantSlackError(t, err, "invalid_auth")
	}
	if len(f.Views()) != 0 {
		t.Error("a view was opened without a valid token")
	}
}

func TestUnknownMethod(t *testing.T) {
	_, api := newFake(t)
	_, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: "C1"})
	wantSlackError(t, err, "unknown_method")
}

// The base URL works as given and with "/api/" appended again.
func TestURLForms(t *testing.T) {
	f, _ := newFake(t)
	for _, base := range []string{f.URL(), f.URL() + "/api/"} {
		if _, err := slack.New(token, slack.OptionAPIURL(base)).AuthTest(); err != nil {
			t.Errorf("base %s: %v", base, err)
		}
	}
	// GET with the token as a bearer header works too.
	req, _ := http.NewRequest(http.MethodGet, f.URL()+"users.info?"+url.Values{"user": {alice.ID}}.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET users.info: %s", resp.Status)
	}
}
