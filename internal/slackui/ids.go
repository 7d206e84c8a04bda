package slackui

import "strings"

// isSlackID accepts only IDs shaped like Slack's: one of the given prefix
// letters, then upper-case letters and digits. Anything else could carry
// markup into "<@…>", "<#…>" or "<!subteam^…>".
func isSlackID(id, prefixes string) bool {
	if len(id) < 3 || len(id) > 32 || !strings.ContainsRune(prefixes, rune(id[0])) {
		return false
	}
	for _, r := range id {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// isSlackUserID accepts user IDs (U… or W… on Enterprise Grid).
func isSlackUserID(id string) bool { return isSlackID(id, "UW") }

// channelLink renders a channel reference, or "" unless id looks like a
// public (C…) or private (G…) channel ID.
func channelLink(id string) string {
	if !isSlackID(id, "CG") {
		return ""
	}
	return "<#" + id + ">"
}
