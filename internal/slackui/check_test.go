package slackui

import (
	"strings"
	"testing"
)

func TestCheckBlocksCatches(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) }
	for name, tc := range map[string]struct{ blocks, want string }{
		"header":        {`[{"type":"header","text":{"type":"plain_text","text":"` + long(151) + `"}}]`, "blocks[0].text.text: 151 characters"},
		"text":          {`[{"type":"section","text":{"type":"mrkdwn","text":"` + long(3001) + `"}}]`, "limit 3000"},
		"fields":        {`[{"type":"section","fields":[` + strings.Repeat(`{"type":"mrkdwn","text":"x"},`, 10) + `{"type":"mrkdwn","text":"x"}]}]`, "11 items, limit 10"},
		"field":         {`[{"type":"section","fields":[{"type":"mrkdwn","text":"` + long(2001) + `"}]}]`, "limit 2000"},
		"button text":   {`[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"` + long(76) + `"}}]}]`, "limit 75"},
		"button value":  {`[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"x"},"value":"` + long(2001) + `"}]}]`, "value: 2001"},
		"confirm title": {`[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"x"},"confirm":{"title":{"type":"plain_text","text":"` + long(101) + `"}}}]}]`, "limit 100"},
		"confirm text":  {`[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"x"},"confirm":{"text":{"type":"plain_text","text":"` + long(301) + `"}}}]}]`, "limit 300"},
		"block id":      {`[{"type":"divider","block_id":"` + long(256) + `"}]`, "block_id"},
		"blocks":        {"[" + strings.Repeat(`{"type":"divider"},`, 50) + `{"type":"divider"}]`, "51 blocks"},
		"no type":       {`[{}]`, "without a type"},
		"not an array":  {`{"type":"divider"}`, "not a JSON array"},
	} {
		err := CheckBlocks([]byte(tc.blocks))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: CheckBlocks = %v, want an error containing %q", name, err, tc.want)
		}
	}
	if err := CheckBlocks([]byte(`[{"type":"header","text":{"type":"plain_text","text":"` + long(150) + `"}}]`)); err != nil {
		t.Errorf("150-character header rejected: %v", err)
	}
}

func TestCheckModalCatches(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) }
	input := func(element string) string {
		return `"blocks":[{"type":"input","label":{"type":"plain_text","text":"x"},"element":` + element + `}]`
	}
	for name, tc := range map[string]struct{ view, want string }{
		"type":        {`{"type":"home","title":{"type":"plain_text","text":"x"}}`, `view.type: must be "modal"`},
		"no title":    {`{"type":"modal"}`, "view.title: is required"},
		"title":       {`{"type":"modal","title":{"type":"plain_text","text":"` + long(25) + `"}}`, "view.title.text: 25 characters, limit 24"},
		"submit":      {`{"type":"modal","title":{"type":"plain_text","text":"x"},"submit":{"type":"plain_text","text":"` + long(25) + `"}}`, "view.submit.text"},
		"metadata":    {`{"type":"modal","title":{"type":"plain_text","text":"x"},"private_metadata":"` + long(3001) + `"}`, "view.private_metadata: 3001 characters"},
		"label":       {`{"type":"modal","title":{"type":"plain_text","text":"x"},"blocks":[{"type":"input","label":{"type":"plain_text","text":"` + long(2001) + `"},"element":{"type":"plain_text_input"}}]}`, "blocks[0].label.text: 2001 characters"},
		"placeholder": {`{"type":"modal","title":{"type":"plain_text","text":"x"},` + input(`{"type":"plain_text_input","placeholder":{"type":"plain_text","text":"`+long(151)+`"}}`) + `}`, "placeholder.text: 151 characters"},
		"max_length":  {`{"type":"modal","title":{"type":"plain_text","text":"x"},` + input(`{"type":"plain_text_input","max_length":3001}`) + `}`, "max_length: 3001, limit 3000"},
		"no element":  {`{"type":"modal","title":{"type":"plain_text","text":"x"},"blocks":[{"type":"input","label":{"type":"plain_text","text":"x"}}]}`, "input block without an element"},
		"not object":  {`[]`, "not a JSON object"},
	} {
		err := CheckModal([]byte(tc.view))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: CheckModal = %v, want an error containing %q", name, err, tc.want)
		}
	}
}
