package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	yamlast "github.com/goccy/go-yaml/ast"
	yamlparser "github.com/goccy/go-yaml/parser"
	"github.com/slack-go/slack"
)

const manifestFile = "slack-app-manifest.yaml"

// slackScopes maps a slack-go Client method (without its Context suffix) to
// the bot scopes its Web API method needs. A method the code calls that is
// not listed here fails the test until someone looks its scopes up.
var slackScopes = map[string][]string{
	"PostMessage":             {"chat:write"}, // chat.postMessage
	"PostMessageWithResponse": {"chat:write"},
	"SendMessage":             {"chat:write"},
	"UpdateMessage":           {"chat:write"},                     // chat.update
	"PostEphemeral":           {"chat:write"},                     // chat.postEphemeral
	"DeleteMessage":           {"chat:write"},                     // chat.delete
	"ScheduleMessage":         {"chat:write"},                     // chat.scheduleMessage
	"GetPermalink":            nil,                                // chat.getPermalink
	"GetUserInfo":             {"users:read", "users:read.email"}, // users.info, and jitflow needs the email
	"GetUsersInfo":            {"users:read", "users:read.email"},
	"GetUserByEmail":          {"users:read.email"}, // users.lookupByEmail
	"GetUsers":                {"users:read"},       // users.list
	"GetUsersPaginated":       {"users:read"},
	"GetBotInfo":              {"users:read"},                         // bots.info
	"OpenConversation":        {"im:write"},                           // conversations.open (DMs)
	"GetConversationHistory":  {"channels:history", "groups:history"}, // public or private card channel
	"GetConversationReplies":  {"channels:history", "groups:history"}, // conversations.replies: the card's thread
	"GetConversationInfo":     {"channels:read", "groups:read"},
	"GetConversations":        {"channels:read", "groups:read"},
	"JoinConversation":        {"channels:join"},
	"GetUserGroups":           {"usergroups:read"}, // usergroups.list
	"GetUserGroupMembers":     {"usergroups:read"}, // usergroups.users.list
	"AddReaction":             {"reactions:write"},
	"RemoveReaction":          {"reactions:write"},
	"GetTeamInfo":             {"team:read"},
	"OpenView":                nil, // views.open: no scope, a trigger_id
	"UpdateView":              nil,
	"PushView":                nil,
	"PublishView":             nil,
	"AuthTest":                nil, // auth.test
}

// impliedScopes: Slack refuses an app that asks for the key without the value.
var impliedScopes = map[string]string{"users:read.email": "users:read"}

// notWebAPI are Client methods that call no Web API method.
var notWebAPI = []string{"Debug", "Debugf", "Debugln"}

// slackCall is one call site of a slack-go Client method.
type slackCall struct {
	method string // without the Context suffix
	pos    string
}

// findSlackCalls returns the calls of *slack.Client methods in the Go files
// under root that are not tests or test doubles. A method of the repo's own
// that shares a Slack method's name (say a Search on the Bytebase client) is
// not mistaken for Slack's unless the scope table lists the name.
func findSlackCalls(root string) ([]slackCall, error) {
	clientMethods := map[string]bool{}
	ct := reflect.TypeFor[*slack.Client]()
	for i := range ct.NumMethod() {
		clientMethods[ct.Method(i).Name] = true
	}
	fset := token.NewFileSet()
	var files []*ast.File
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch rel, _ := filepath.Rel(root, path); rel {
			case ".git", "artifacts", "testdata", filepath.Join("internal", "fakes"):
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	declared := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				declared[fd.Name.Name] = true
			}
		}
	}
	var calls []slackCall
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !clientMethods[sel.Sel.Name] || slices.Contains(notWebAPI, sel.Sel.Name) {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "slack" {
				return true // a package function such as slack.New
			}
			method := strings.TrimSuffix(sel.Sel.Name, "Context")
			if _, listed := slackScopes[method]; !listed && declared[sel.Sel.Name] {
				return true
			}
			calls = append(calls, slackCall{method: method, pos: fset.Position(sel.Sel.Pos()).String()})
			return true
		})
	}
	return calls, nil
}

// manifestScope is one bot scope in the manifest and its line.
type manifestScope struct {
	name string
	line int
}

func readManifest(path string) (*yamlast.File, []manifestScope, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	file, err := yamlparser.ParseBytes(b, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	p, err := yaml.PathString("$.oauth_config.scopes.bot")
	if err != nil {
		return nil, nil, err
	}
	node, err := p.FilterFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: no oauth_config.scopes.bot: %w", path, err)
	}
	seq, ok := node.(*yamlast.SequenceNode)
	if !ok {
		return nil, nil, fmt.Errorf("%s:%d: oauth_config.scopes.bot is not a list", path, node.GetToken().Position.Line)
	}
	var scopes []manifestScope
	for _, v := range seq.Values {
		s, ok := v.(*yamlast.StringNode)
		if !ok {
			return nil, nil, fmt.Errorf("%s:%d: scope %s is not a string", path, v.GetToken().Position.Line, v)
		}
		scopes = append(scopes, manifestScope{name: s.Value, line: s.GetToken().Position.Line})
	}
	return file, scopes, nil
}

// scopeProblems compares the scopes the calls need with the manifest's.
func scopeProblems(calls []slackCall, scopes []manifestScope) []string {
	var problems []string
	need := map[string][]string{} // scope -> call sites
	for _, c := range calls {
		want, listed := slackScopes[c.method]
		if !listed {
			problems = append(problems, fmt.Sprintf("%s: %s is a Slack method the scope table does not know: look its bot scopes up and add it to slackScopes", c.pos, c.method))
			continue
		}
		for _, s := range want {
			need[s] = append(need[s], c.pos)
			if implied, ok := impliedScopes[s]; ok {
				need[implied] = append(need[implied], c.pos+" (implied by "+s+")")
			}
		}
	}
	have := map[string]int{}
	for _, s := range scopes {
		if line, dup := have[s.name]; dup {
			problems = append(problems, fmt.Sprintf("%s:%d: scope %s is listed twice (also line %d)", manifestFile, s.line, s.name, line))
		}
		have[s.name] = s.line
		if _, ok := need[s.name]; !ok {
			problems = append(problems, fmt.Sprintf("%s:%d: scope %s is not used by the code: remove it", manifestFile, s.line, s.name))
		}
	}
	for s, sites := range need {
		if _, ok := have[s]; !ok {
			problems = append(problems, fmt.Sprintf("%s: scope %s is missing; needed by %s", manifestFile, s, strings.Join(sites, ", ")))
		}
	}
	slices.Sort(problems)
	return problems
}

func TestSlackManifestHasExactlyTheScopesTheCodeUses(t *testing.T) {
	calls, err := findSlackCalls(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 {
		t.Fatal("found no Slack calls at all: the scanner is broken")
	}
	file, scopes, err := readManifest(manifestFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range scopeProblems(calls, scopes) {
		t.Error(p)
	}

	str := func(path string) string {
		p, err := yaml.PathString(path)
		if err != nil {
			t.Fatal(err)
		}
		n, err := p.FilterFile(file)
		if err != nil {
			t.Errorf("%s: no %s", manifestFile, path)
			return ""
		}
		return n.String()
	}
	if got := str("$.settings.interactivity.request_url"); got != "https://<your-jitflow-host>/api/slack/interact" {
		t.Errorf("interactivity request_url = %q, want the gateway's /api/slack/interact with a host placeholder", got)
	}
	if got := str("$.settings.interactivity.is_enabled"); got != "true" {
		t.Errorf("interactivity is_enabled = %q: the buttons need it", got)
	}
	if str("$.features.bot_user.display_name") == "" || str("$.display_information.name") == "" {
		t.Error("the manifest needs a name and a bot user")
	}
	if p, _ := yaml.PathString("$.oauth_config.scopes.user"); p != nil {
		if _, err := p.FilterFile(file); err == nil {
			t.Error("jitflow uses a bot token only: no user scopes")
		}
	}
}

// TestScopeCheckCatchesBothMistakes proves the comparison fails in each
// direction, so the real check above can fail.
func TestScopeCheckCatchesBothMistakes(t *testing.T) {
	dir := t.TempDir()
	src := `package x

import "context"

type api interface {
	PostMessageContext(ctx context.Context, ch string) (string, string, error)
	GetUserByEmailContext(ctx context.Context, email string) error
	SetTopicOfConversation(ch, topic string) error
}

type bb struct{}

func (bb) Search() {}

func run(s api, b bb) {
	s.PostMessageContext(context.Background(), "C1")
	s.GetUserByEmailContext(context.Background(), "a@b.c")
	s.SetTopicOfConversation("C1", "x")
	b.Search()
}
`
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "internal", "fakes"), 0o755); err != nil {
		t.Fatal(err)
	}
	fake := "package fakes\n\nfunc f(c interface{ AddReaction() }) { c.AddReaction() }\n"
	if err := os.WriteFile(filepath.Join(dir, "internal", "fakes", "f.go"), []byte(fake), 0o644); err != nil {
		t.Fatal(err)
	}
	calls, err := findSlackCalls(dir)
	if err != nil {
		t.Fatal(err)
	}
	var methods []string
	for _, c := range calls {
		methods = append(methods, c.method)
	}
	if want := []string{"PostMessage", "GetUserByEmail", "SetTopicOfConversation"}; !slices.Equal(methods, want) {
		t.Fatalf("calls = %v, want %v (the repo's own Search and the fakes are not Slack's)", methods, want)
	}
	problems := strings.Join(scopeProblems(calls, []manifestScope{{"chat:write", 3}, {"users:read.email", 4}, {"files:write", 5}}), "\n")
	for _, want := range []string{
		"SetTopicOfConversation is a Slack method the scope table does not know",
		"scope users:read is missing; needed by",
		"(implied by users:read.email)",
		manifestFile + ":5: scope files:write is not used by the code",
	} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}
	if strings.Contains(problems, "chat:write") {
		t.Errorf("a needed, present scope was reported:\n%s", problems)
	}
}
