package slackfake

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// params are a call's arguments as slack-go sends them: form-encoded (most
// methods, token as the "token" field), JSON (views.*, token as a bearer
// header) or a query string (GET).
type params struct {
	token  string
	values map[string]string // JSON fields that aren't strings keep their JSON text
}

func (p params) get(key string) string { return p.values[key] }

// flag reads a boolean argument the ways Slack accepts one.
func (p params) flag(key string) bool {
	switch strings.ToLower(p.values[key]) {
	case "1", "true":
		return true
	}
	return false
}

// parseParams returns the call's arguments, or the Slack error for a body
// that can't be read.
func parseParams(r *http.Request, body []byte) (params, *apiError) {
	p := params{values: map[string]string{}}
	p.token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	for k, v := range r.URL.Query() {
		p.values[k] = v[0]
	}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ctype == "application/json" {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return p, fail("invalid_json")
		}
		for k, raw := range fields {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				s = string(raw)
			}
			p.values[k] = s
		}
		delete(p.values, "token") // Slack takes JSON calls' token only from the header
		return p, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return p, fail("invalid_form_data")
	}
	for k, v := range form {
		p.values[k] = v[0]
	}
	if p.token == "" {
		p.token = p.values["token"]
	}
	delete(p.values, "token")
	return p, nil
}
