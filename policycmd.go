package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/jitflow/jitflow/internal/policy"
)

// runPolicy is `jitflow policy check FILE [--project P] [--database D]...`:
// validate a policy file (every problem, exit 2) and print the effective
// policy for a project and databases.
func runPolicy(args []string, stdout, stderr io.Writer) int {
	if len(args) < 1 || args[0] != "check" {
		fmt.Fprintln(stderr, "usage: jitflow policy check FILE [--project P] [--database instances/I/databases/D]...")
		return exitUsage
	}
	fs := flag.NewFlagSet("policy check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	project := fs.String("project", "", "Bytebase project ID to show the effective policy for")
	var databases multiFlag
	fs.Var(&databases, "database", "database of the request, instances/<instance>/databases/<db> (repeatable)")
	// The file may come before or after the flags.
	rest := args[1:]
	var file string
	if len(rest) > 0 && len(rest[0]) > 0 && rest[0][0] != '-' {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return exitUsage
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 || file == "" {
		fmt.Fprintln(stderr, "usage: jitflow policy check FILE [--project P] [--database instances/I/databases/D]...")
		return exitUsage
	}
	p, err := policy.Load(file)
	var problems policy.Problems
	switch {
	case errors.As(err, &problems):
		fmt.Fprintln(stderr, problems.Error())
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "jitflow: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s is valid.\nEffective policy for project %q, databases %v:\n", file, *project, []string(databases))
	p.For(*project, databases).Describe(stdout)
	return 0
}

type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
