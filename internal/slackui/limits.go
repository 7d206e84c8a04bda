package slackui

// Block Kit limits (see the Slack reference). Slack rejects a message that
// breaks one with invalid_blocks, and slack-go checks none of them.
const (
	maxBlocks          = 50
	maxText            = 3000 // any text object
	maxHeader          = 150
	maxFields          = 10
	maxField           = 2000
	maxButtonText      = 75
	maxButtonValue     = 2000
	maxID              = 255 // action_id, block_id
	maxConfirmTitle    = 100
	maxConfirmText     = 300
	maxConfirmButton   = 30
	maxContextElements = 10
	maxActionElements  = 25
	maxURL             = 3000
	maxInputLabel      = 2000 // input block label and hint
	maxPlaceholder     = 150
	maxInputLength     = 3000 // plain_text_input max_length and initial_value
	maxModalTitle      = 24   // modal title, submit and close
	maxCallbackID      = 255
)

// MaxPrivateMetadata is how long a modal's private_metadata may be. Slack
// rejects a longer view, and cutting it would corrupt what it carries, so
// the caller must keep it short (an ID or two, not the card).
const MaxPrivateMetadata = 3000

// Caps on single user-supplied values, well inside the limits above so that
// every line built from them fits without cutting markup.
const (
	maxName        = 100
	maxEmail       = 254
	maxRole        = 100
	maxDatabase    = 100
	maxProject     = 100
	maxTitle       = 300
	maxLink        = 1000
	maxDenyReason  = 1500
	maxFailure     = 1000
	maxExpiryNote  = 500
	maxModalReason = 500 // the requester's reason, as the deny modal recalls it
	maxMentions    = 10  // mentions in one list; the rest are counted
)

// maxDenyReasonInput caps the deny modal's reason. It stays under
// maxDenyReason so the card shows a reason whole.
const maxDenyReasonInput = 1000
