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
)

// Caps on single user-supplied values, well inside the limits above so that
// every line built from them fits without cutting markup.
const (
	maxName       = 100
	maxEmail      = 254
	maxRole       = 100
	maxDatabase   = 100
	maxProject    = 100
	maxTitle      = 300
	maxLink       = 1000
	maxDenyReason = 1500
	maxFailure    = 1000
)
