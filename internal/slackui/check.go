package slackui

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// CheckBlocks reports every Block Kit limit that a JSON array of blocks
// breaks, or nil. Slack rejects such a message with invalid_blocks, and
// slack-go checks none of this, so tests (and the fake Slack) hold every
// message to these limits.
func CheckBlocks(raw []byte) error {
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return fmt.Errorf("blocks are not a JSON array of objects: %w", err)
	}
	var c checker
	if len(blocks) > maxBlocks {
		c.fail("blocks", "%d blocks, limit %d", len(blocks), maxBlocks)
	}
	for i, b := range blocks {
		c.block(fmt.Sprintf("blocks[%d]", i), b)
	}
	return errors.Join(c.errs...)
}

type checker struct{ errs []error }

func (c *checker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

// atMost checks that the string at key of obj, if any, has at most limit runes.
func (c *checker) atMost(path string, obj map[string]any, key string, limit int) {
	if s, ok := obj[key].(string); ok && runes(s) > limit {
		c.fail(path+"."+key, "%d characters, limit %d", runes(s), limit)
	}
}

// textAtMost checks the text object at key of obj.
func (c *checker) textAtMost(path string, obj map[string]any, key string, limit int) {
	if t, ok := obj[key].(map[string]any); ok {
		c.atMost(path+"."+key, t, "text", limit)
	}
}

// count checks that the array at key of obj has at most limit items and
// returns its objects.
func (c *checker) count(path string, obj map[string]any, key string, limit int) []map[string]any {
	items, _ := obj[key].([]any)
	if len(items) > limit {
		c.fail(path+"."+key, "%d items, limit %d", len(items), limit)
	}
	var objs []map[string]any
	for _, it := range items {
		if o, ok := it.(map[string]any); ok {
			objs = append(objs, o)
		}
	}
	return objs
}

func (c *checker) block(path string, b map[string]any) {
	c.atMost(path, b, "block_id", maxID)
	switch b["type"] {
	case "header":
		c.textAtMost(path, b, "text", maxHeader)
	case "section":
		for i, f := range c.count(path, b, "fields", maxFields) {
			c.atMost(fmt.Sprintf("%s.fields[%d]", path, i), f, "text", maxField)
		}
		if a, ok := b["accessory"].(map[string]any); ok {
			c.element(path+".accessory", a)
		}
	case "context":
		c.count(path, b, "elements", maxContextElements)
	case "actions":
		for i, e := range c.count(path, b, "elements", maxActionElements) {
			c.element(fmt.Sprintf("%s.elements[%d]", path, i), e)
		}
	case "input":
		c.textAtMost(path, b, "label", maxInputLabel)
		c.textAtMost(path, b, "hint", maxInputLabel)
		if e, ok := b["element"].(map[string]any); ok {
			c.element(path+".element", e)
		} else {
			c.fail(path, "input block without an element")
		}
	case nil:
		c.fail(path, "block without a type")
	}
	c.texts(path, b)
}

func (c *checker) element(path string, e map[string]any) {
	c.atMost(path, e, "action_id", maxID)
	c.atMost(path, e, "url", maxURL)
	c.textAtMost(path, e, "placeholder", maxPlaceholder)
	switch e["type"] {
	case "button":
		c.textAtMost(path, e, "text", maxButtonText)
		c.atMost(path, e, "value", maxButtonValue)
	case "plain_text_input":
		c.atMost(path, e, "initial_value", maxInputLength)
		for _, key := range []string{"min_length", "max_length"} {
			if n, ok := e[key].(float64); ok && n > maxInputLength {
				c.fail(path+"."+key, "%v, limit %d", n, maxInputLength)
			}
		}
	}
	if conf, ok := e["confirm"].(map[string]any); ok {
		p := path + ".confirm"
		c.textAtMost(p, conf, "title", maxConfirmTitle)
		c.textAtMost(p, conf, "text", maxConfirmText)
		c.textAtMost(p, conf, "confirm", maxConfirmButton)
		c.textAtMost(p, conf, "deny", maxConfirmButton)
	}
}

// texts checks every text object anywhere under v against the general
// text limit.
func (c *checker) texts(path string, v any) {
	switch v := v.(type) {
	case map[string]any:
		if t := v["type"]; t == "plain_text" || t == "mrkdwn" {
			c.atMost(path, v, "text", maxText)
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			c.texts(path+"."+k, v[k])
		}
	case []any:
		for i, child := range v {
			c.texts(fmt.Sprintf("%s[%d]", path, i), child)
		}
	}
}
