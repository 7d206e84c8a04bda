package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Requests are spread over several Slack channels (-channels) by jitflow's
// own policy file, as an operator would route them: issue i touches a
// database on instance instanceFor(i mod N), and the policy has one
// environment per instance whose channel is that card channel. Slack paces
// posts per channel, so N channels carry N cards per second.

// cardChannels are the n channel IDs cards go to; the first is SLACK_CHANNEL.
func cardChannels(n int) []string {
	chs := []string{channel}
	for i := 1; i < n; i++ {
		chs = append(chs, fmt.Sprintf("C0BENCH%03d", i))
	}
	return chs
}

// instanceFor is the Bytebase instance of the issues routed to card channel
// i; channel 0 keeps the sample instance and no policy rule.
func instanceFor(i int) string {
	if i == 0 {
		return "prod-sample-instance"
	}
	return fmt.Sprintf("bench-ch%03d", i)
}

// policyYAML is a policy file with defaults (a YAML flow mapping's body
// such as "remind_after: 15s", or "") and one environment per extra card
// channel; "" when there is nothing to say.
func policyYAML(channels []string, defaults string) string {
	var b strings.Builder
	if defaults != "" {
		fmt.Fprintf(&b, "defaults: {%s}\n", defaults)
	}
	if len(channels) > 1 {
		b.WriteString("environments:\n")
		for i, ch := range channels[1:] {
			fmt.Fprintf(&b, "  ch%03d: {match: [%q], channel: %s}\n", i+1, instanceFor(i+1), ch)
		}
	}
	return b.String()
}

// writePolicy writes policyYAML into dir and returns its path ("" if empty).
func writePolicy(dir string, channels []string, defaults string) (string, error) {
	y := policyYAML(channels, defaults)
	if y == "" {
		return "", nil
	}
	path := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(path, []byte("# written by jitflow-bench\n"+y), 0o600); err != nil {
		return "", fmt.Errorf("policy file: %w", err)
	}
	return path, nil
}
