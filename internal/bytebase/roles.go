package bytebase

import (
	"strings"
	"unicode"
)

// RoleTitle returns a human name for the requested role: "roles/sqlEditorUser"
// becomes "SQL Editor User". Without a role it falls back to the name in the
// title, `Request "SQL Editor User" role` (or `Request querier role` before 3.5).
func (i Issue) RoleTitle() string {
	if role := strings.TrimPrefix(i.Role, "roles/"); role != "" {
		return HumanizeRole(role)
	}
	const prefix = "Request "
	at := strings.Index(i.Title, prefix)
	if at < 0 {
		return ""
	}
	rest := i.Title[at+len(prefix):]
	if quoted, ok := strings.CutPrefix(rest, `"`); ok {
		if name, _, ok := strings.Cut(quoted, `" role`); ok {
			return name
		}
		return ""
	}
	if name, _, ok := strings.Cut(rest, " role"); ok && name != "" && !strings.ContainsAny(name, " \"") {
		return HumanizeRole(name)
	}
	return ""
}

// Summary is the request in words: "dev@example.com → SQL Editor User on
// hr_prod, hr_stage".
func (i Issue) Summary() string {
	dbs := strings.Join(i.DatabaseNames(), ", ")
	if dbs == "" {
		dbs = "all databases"
	}
	return i.Requester + " → " + i.RoleTitle() + " on " + dbs
}

// HumanizeRole turns a role ID ("roles/workspaceDBA", "projectOwner",
// "custom-role") into words: "Workspace DBA", "Project Owner", "Custom Role".
func HumanizeRole(role string) string {
	role = strings.TrimPrefix(role, "roles/")
	words := splitWords(role)
	for k, w := range words {
		words[k] = titleWord(w)
	}
	return strings.Join(words, " ")
}

// splitWords splits on '-', '_', spaces and camelCase boundaries, keeping
// upper-case runs together ("workspaceDBA" → workspace, DBA; "DBAUser" → DBA, User).
func splitWords(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for k, r := range rs {
		if r == '-' || r == '_' || unicode.IsSpace(r) {
			flush()
			continue
		}
		if unicode.IsUpper(r) && len(cur) > 0 {
			prev := cur[len(cur)-1]
			nextLower := k+1 < len(rs) && unicode.IsLower(rs[k+1])
			if !unicode.IsUpper(prev) || nextLower {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}

func titleWord(w string) string {
	switch lw := strings.ToLower(w); lw {
	case "sql", "dba", "ddl", "dml", "db", "id", "api", "iam":
		return strings.ToUpper(lw)
	}
	rs := []rune(w)
	rs[0] = unicode.ToUpper(rs[0])
	return string(rs)
}
