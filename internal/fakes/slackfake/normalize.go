package slackfake

import (
	"bytes"
	"encoding/json"
)

// normalize re-encodes JSON compactly, with sorted keys and without HTML
// escaping. slack-go sends "<" as \u003c; stored as Slack reads it, a test
// can search a message for raw markup such as "<@U123>" or "<!channel>".
func normalize(raw string) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
