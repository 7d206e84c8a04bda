package slackui

import "strings"

// bytebaseVerb is what happened to the issue in Bytebase, for "… was
// approved in Bytebase"; "decided" when the card doesn't say.
func bytebaseVerb(c Card) string {
	switch c.DecidedInBytebase {
	case BytebaseApproved:
		return "approved"
	case BytebaseRejected:
		return "rejected"
	case BytebaseCanceled:
		return "canceled"
	case BytebaseDone:
		return "completed"
	}
	return "decided"
}

// bytebaseOutcome is the card's label for a decision made in Bytebase:
// "Approved in Bytebase".
func bytebaseOutcome(c Card) string {
	verb := bytebaseVerb(c)
	return strings.ToUpper(verb[:1]) + verb[1:] + " in Bytebase"
}
