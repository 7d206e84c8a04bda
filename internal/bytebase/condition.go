package bytebase

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/parser"
)

// Condition is what jitflow reads from a role grant's CEL condition.
type Condition struct {
	Databases []string  // full names, "instances/x/databases/y"; empty means no database restriction was found
	ExpiresAt time.Time // zero if the grant does not expire
	Summary   string    // "hr_prod until 2026-08-29 06:30 UTC"
}

// maxConditionLen bounds parser work; Bytebase conditions listing hundreds of
// databases stay far below it.
const maxConditionLen = 64 << 10

// ParseCondition parses a Bytebase CEL condition and extracts the databases and
// the expiry. Only conjuncts (&&) are read, because only they constrain the
// grant; anything else is ignored. A syntax error is an error.
func ParseCondition(expr string) (cond Condition, err error) {
	if strings.TrimSpace(expr) == "" {
		return Condition{Summary: summarize(nil, time.Time{})}, nil
	}
	if len(expr) > maxConditionLen {
		return Condition{}, fmt.Errorf("parse condition: %d bytes exceeds limit of %d", len(expr), maxConditionLen)
	}
	// The ANTLR-generated parser is third-party code fed with input from
	// Bytebase; a panic in it must not take the worker down.
	defer func() {
		if r := recover(); r != nil {
			cond, err = Condition{}, fmt.Errorf("parse condition: parser panic: %v", r)
		}
	}()
	p, err := parser.NewParser(parser.MaxRecursionDepth(100))
	if err != nil {
		return Condition{}, fmt.Errorf("parse condition: %w", err)
	}
	tree, errs := p.Parse(common.NewTextSource(expr))
	if errs != nil && len(errs.GetErrors()) > 0 {
		first := errs.GetErrors()[0]
		return Condition{}, fmt.Errorf("parse condition: %d:%d: %s", first.Location.Line(), first.Location.Column()+1, first.Message)
	}
	var w conditionWalker
	w.walk(tree.Expr())
	if w.err != nil {
		return Condition{}, fmt.Errorf("parse condition: %w", w.err)
	}
	cond.Databases = w.databases()
	cond.ExpiresAt = w.expires
	cond.Summary = summarize(cond.Databases, cond.ExpiresAt)
	return cond, nil
}

type conditionWalker struct {
	fullNames []string // resource.database
	dbNames   []string // resource.database_name
	instances []string // resource.instance_id
	expires   time.Time
	err       error
}

func (w *conditionWalker) walk(e ast.Expr) {
	if w.err != nil || e.Kind() != ast.CallKind {
		return
	}
	call := e.AsCall()
	if call.IsMemberFunction() {
		return
	}
	args := call.Args()
	switch call.FunctionName() {
	case operators.LogicalAnd:
		for _, a := range args {
			w.walk(a)
		}
	case operators.In:
		if len(args) == 2 && args[1].Kind() == ast.ListKind {
			for _, el := range args[1].AsList().Elements() {
				if s, ok := stringLiteral(el); ok {
					w.addResource(fieldPath(args[0]), s)
				}
			}
		}
	case operators.Equals:
		if len(args) != 2 {
			return
		}
		if s, ok := stringLiteral(args[1]); ok {
			w.addResource(fieldPath(args[0]), s)
		} else if s, ok := stringLiteral(args[0]); ok {
			w.addResource(fieldPath(args[1]), s)
		}
	case operators.Less, operators.LessEquals:
		if len(args) == 2 && fieldPath(args[0]) == "request.time" {
			w.addExpiry(args[1])
		}
	case operators.Greater, operators.GreaterEquals:
		if len(args) == 2 && fieldPath(args[1]) == "request.time" {
			w.addExpiry(args[0])
		}
	}
}

func (w *conditionWalker) addResource(field, value string) {
	switch field {
	case "resource.database":
		w.fullNames = append(w.fullNames, value)
	case "resource.database_name":
		w.dbNames = append(w.dbNames, value)
	case "resource.instance_id":
		w.instances = append(w.instances, value)
	}
}

// addExpiry reads timestamp("...") and keeps the earliest bound: all
// conjuncts must hold, so the earliest one ends the grant.
func (w *conditionWalker) addExpiry(e ast.Expr) {
	if e.Kind() != ast.CallKind {
		return
	}
	call := e.AsCall()
	if call.FunctionName() != "timestamp" || call.IsMemberFunction() || len(call.Args()) != 1 {
		return
	}
	s, ok := stringLiteral(call.Args()[0])
	if !ok {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// Silently dropping it would present a bounded grant as unbounded.
		w.err = fmt.Errorf("timestamp %q: %w", s, err)
		return
	}
	t = t.UTC()
	if w.expires.IsZero() || t.Before(w.expires) {
		w.expires = t
	}
}

// databases merges full names with database_name/instance_id pairs. A name can
// only be qualified when exactly one instance is named; otherwise it stays bare.
func (w *conditionWalker) databases() []string {
	all := append([]string(nil), w.fullNames...)
	for _, name := range w.dbNames {
		if len(w.instances) == 1 {
			name = "instances/" + w.instances[0] + "/databases/" + name
		}
		all = append(all, name)
	}
	seen := make(map[string]bool, len(all))
	out := all[:0]
	for _, db := range all {
		if !seen[db] {
			seen[db] = true
			out = append(out, db)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// fieldPath renders a select chain such as resource.database, or "" for anything else.
func fieldPath(e ast.Expr) string {
	switch e.Kind() {
	case ast.IdentKind:
		return e.AsIdent()
	case ast.SelectKind:
		sel := e.AsSelect()
		if sel.IsTestOnly() {
			return ""
		}
		if base := fieldPath(sel.Operand()); base != "" {
			return base + "." + sel.FieldName()
		}
	}
	return ""
}

func stringLiteral(e ast.Expr) (string, bool) {
	if e.Kind() != ast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

func summarize(databases []string, expires time.Time) string {
	what := "all databases"
	if names := shortDatabaseNames(databases); len(names) > 0 {
		const shown = 3
		what = strings.Join(names[:min(len(names), shown)], ", ")
		if len(names) > shown {
			what += " and " + strconv.Itoa(len(names)-shown) + " more"
		}
	}
	if expires.IsZero() {
		return what + ", no expiry"
	}
	return what + " until " + expires.UTC().Format("2006-01-02 15:04 UTC")
}
