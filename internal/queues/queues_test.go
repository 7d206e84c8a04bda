package queues

import "testing"

func TestNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{SlackQueue("jitflow", "C0DBACCESS"), "jitflow-slack-C0DBACCESS"},
		{DMQueue("jitflow"), "jitflow-slack-dm"},
		{UpdateQueue("jitflow"), "jitflow-slack-update"},
		{LeaseQueue("jitflow"), "jitflow-lease"},
	} {
		if c.got != c.want {
			t.Errorf("queue = %q, want %q", c.got, c.want)
		}
	}
}
