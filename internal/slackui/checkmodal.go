package slackui

import (
	"encoding/json"
	"errors"
	"fmt"
)

// CheckModal reports what Slack's views.open would reject in a modal view
// (JSON), or nil. Its blocks are held to the message limits, which are
// stricter (50 blocks, where modals may have 100).
func CheckModal(raw []byte) error {
	var view map[string]any
	if err := json.Unmarshal(raw, &view); err != nil {
		return fmt.Errorf("view is not a JSON object: %w", err)
	}
	var c checker
	if view["type"] != "modal" {
		c.fail("view.type", `must be "modal"`)
	}
	if _, ok := view["title"].(map[string]any); !ok {
		c.fail("view.title", "is required")
	}
	for _, key := range []string{"title", "submit", "close"} {
		c.textAtMost("view", view, key, maxModalTitle)
	}
	c.atMost("view", view, "private_metadata", MaxPrivateMetadata)
	c.atMost("view", view, "callback_id", maxCallbackID)
	if view["blocks"] != nil {
		blocks, _ := json.Marshal(view["blocks"])
		if err := CheckBlocks(blocks); err != nil {
			c.errs = append(c.errs, err)
		}
	}
	return errors.Join(c.errs...)
}
