package bytebasefake

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/parser"
)

const (
	defaultPageSize = 10
	maxPageSize     = 1000
)

// pageCursor is what an opaque page token stands for. A token is only valid
// for the query that produced it.
type pageCursor struct {
	query  string
	offset int
}

type predicate func(*issue) bool

// SetMaxPageSize caps the page size search answers with, as a real server
// caps pageSize, so a few issues already span several pages. 0 restores
// Bytebase's cap of 1000.
func (s *Server) SetMaxPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageCap = n
}

// pageLimit runs with s.mu held.
func (s *Server) pageLimit() int {
	if s.pageCap > 0 {
		return min(s.pageCap, maxPageSize)
	}
	return maxPageSize
}

func (s *Server) searchHandler(project string) handler {
	return func(_ *http.Request, body []byte) (any, *apiError) {
		var req struct {
			Filter    string `json:"filter"`
			PageSize  int    `json:"pageSize"`
			PageToken string `json:"pageToken"`
			OrderBy   string `json:"orderBy"`
		}
		if e := decodeStrict(body, &req, "filter", "pageSize", "pageToken", "orderBy"); e != nil {
			return nil, e
		}
		preds, e := s.parseFilter(req.Filter)
		if e != nil {
			return nil, e
		}
		var asc bool
		switch strings.Join(strings.Fields(req.OrderBy), " ") {
		case "", "create_time desc", "create_time":
		case "create_time asc":
			asc = true
		default:
			return nil, errorf(http.StatusBadRequest, codeInvalidArgument, "invalid order by %q", req.OrderBy)
		}
		switch {
		case req.PageSize < 0:
			return nil, errorf(http.StatusBadRequest, codeInvalidArgument, "page size must be non-negative: %d", req.PageSize)
		case req.PageSize == 0:
			req.PageSize = defaultPageSize
		}
		if limit := s.pageLimit(); req.PageSize > limit {
			req.PageSize = limit
		}
		query := project + "\x00" + req.Filter + "\x00" + req.OrderBy
		offset := 0
		if req.PageToken != "" {
			cur, ok := s.pageTokens[req.PageToken]
			if !ok || cur.query != query {
				return nil, errorf(http.StatusBadRequest, codeInvalidArgument, "invalid page token")
			}
			offset = cur.offset
		}

		var matches []*issue
		for _, iss := range s.issues {
			if (project == "-" || iss.key.project == project) && all(preds, iss) {
				matches = append(matches, iss)
			}
		}
		slices.SortFunc(matches, func(a, b *issue) int {
			c := a.createTime.Compare(b.createTime)
			if c == 0 {
				c = compareInt(a.key.number, b.key.number)
			}
			if !asc {
				c = -c
			}
			return c
		})

		var resp struct {
			Issues        []wireIssue `json:"issues,omitempty"`
			NextPageToken string      `json:"nextPageToken,omitempty"`
		}
		end := min(offset+req.PageSize, len(matches))
		for _, iss := range matches[min(offset, end):end] {
			resp.Issues = append(resp.Issues, iss.wire())
		}
		if end < len(matches) {
			resp.NextPageToken = randomID()
			s.pageTokens[resp.NextPageToken] = pageCursor{query: query, offset: end}
		}
		return resp, nil
	}
}

func all(preds []predicate, iss *issue) bool {
	for _, p := range preds {
		if !p(iss) {
			return false
		}
	}
	return true
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseFilter accepts Bytebase's issue filter subset: conjunctions (&&) of
// key == "v", key in ["v", ...], and create_time >= / <= "RFC3339".
func (s *Server) parseFilter(filter string) ([]predicate, *apiError) {
	if strings.TrimSpace(filter) == "" {
		return nil, nil
	}
	p, err := parser.NewParser()
	if err != nil {
		return nil, errorf(http.StatusInternalServerError, codeInternal, "create parser: %v", err)
	}
	tree, errs := p.Parse(common.NewTextSource(filter))
	if errs != nil && len(errs.GetErrors()) > 0 {
		return nil, errorf(http.StatusBadRequest, codeInvalidArgument, "failed to parse filter %q: %s", filter, errs.GetErrors()[0].Message)
	}
	var preds []predicate
	var walk func(e ast.Expr) *apiError
	walk = func(node ast.Expr) *apiError {
		if node.Kind() != ast.CallKind {
			return errorf(http.StatusBadRequest, codeInvalidArgument, "unexpected expression in filter %q", filter)
		}
		call := node.AsCall()
		args := call.Args()
		if call.FunctionName() == operators.LogicalAnd {
			for _, a := range args {
				if err := walk(a); err != nil {
					return err
				}
			}
			return nil
		}
		if len(args) != 2 || args[0].Kind() != ast.IdentKind {
			return errorf(http.StatusBadRequest, codeInvalidArgument, "unsupported filter %q", filter)
		}
		pred, err := s.filterTerm(args[0].AsIdent(), call.FunctionName(), args[1])
		if err != nil {
			return err
		}
		preds = append(preds, pred)
		return nil
	}
	if e := walk(tree.Expr()); e != nil {
		return nil, e
	}
	return preds, nil
}

// filterTerm builds the predicate for one `key op value` term.
func (s *Server) filterTerm(key, op string, value ast.Expr) (predicate, *apiError) {
	bad := func(format string, args ...any) (predicate, *apiError) {
		return nil, errorf(http.StatusBadRequest, codeInvalidArgument, format, args...)
	}
	if key == "create_time" {
		v, ok := stringLit(value)
		t, err := time.Parse(time.RFC3339Nano, v)
		if !ok || err != nil {
			return bad("invalid create_time value")
		}
		switch op {
		case operators.GreaterEquals:
			return func(iss *issue) bool { return !iss.createTime.Before(t) }, nil
		case operators.LessEquals:
			return func(iss *issue) bool { return !iss.createTime.After(t) }, nil
		}
		return bad("unsupported operator for create_time")
	}

	var values []string
	switch op {
	case operators.Equals:
		v, ok := stringLit(value)
		if !ok {
			return bad("invalid value for %q", key)
		}
		values = []string{v}
	case operators.In:
		if value.Kind() != ast.ListKind {
			return bad("invalid value for %q", key)
		}
		for _, el := range value.AsList().Elements() {
			v, ok := stringLit(el)
			if !ok {
				return bad("invalid value for %q", key)
			}
			values = append(values, v)
		}
	default:
		return bad("unsupported operator for %q", key)
	}

	var field func(*issue) string
	var valid func(string) bool
	switch key {
	case "status":
		field, valid = func(iss *issue) string { return iss.status }, validStatus
	case "type":
		field, valid = func(iss *issue) string { return iss.typ }, validType
	case "approval_status":
		if s.rejectApprovalFilter {
			return bad("unsupport variable %q", key)
		}
		field = (*issue).approvalStatus
		valid = func(v string) bool {
			return slices.Contains([]string{"CHECKING", approvalSkipped, approvalPending, approvalApproved, approvalRejected}, v)
		}
	case "creator":
		field = func(iss *issue) string { return "users/" + iss.requester }
		valid = func(v string) bool { return strings.HasPrefix(v, "users/") }
	default:
		return bad("unsupport variable %q", key)
	}
	for _, v := range values {
		if !valid(v) {
			return bad("invalid %s value %q", key, v)
		}
	}
	return func(iss *issue) bool { return slices.Contains(values, field(iss)) }, nil
}

func stringLit(e ast.Expr) (string, bool) {
	if e.Kind() != ast.LiteralKind {
		return "", false
	}
	v, ok := e.AsLiteral().(types.String)
	return string(v), ok
}
