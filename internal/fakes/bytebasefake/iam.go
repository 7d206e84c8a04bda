package bytebasefake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

type iamPolicy struct {
	Bindings []struct {
		Role    string   `json:"role"`
		Members []string `json:"members"`
	} `json:"bindings"`
}

// SetIAMPolicy sets the policy served for project ("" for the workspace),
// as JSON in Bytebase's shape: {"bindings":[{"role":..,"members":[..]}],"etag":..}.
func (s *Server) SetIAMPolicy(project, policyJSON string) error {
	var p iamPolicy
	if err := json.Unmarshal([]byte(policyJSON), &p); err != nil {
		return fmt.Errorf("bytebasefake: IAM policy: %w", err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(policyJSON)); err != nil {
		return fmt.Errorf("bytebasefake: IAM policy: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.iam[project] = buf.Bytes()
	return nil
}

// SetEnforceRoles makes :approve and :reject require that the service account
// holds the pending step's role in the project or workspace policy (as
// user:<email> or serviceAccount:<email>; binding conditions and groups are
// not evaluated). Off by default, so tests need not set up IAM.
func (s *Server) SetEnforceRoles(enforce bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enforceRoles = enforce
}

func (s *Server) iamHandler(project string) handler {
	return func(*http.Request, []byte) (any, *apiError) {
		if p, ok := s.iam[project]; ok {
			return p, nil
		}
		return struct{}{}, nil
	}
}

// holdsRole reports whether email holds role exactly (Bytebase has no role
// hierarchy for approvals) in the project's or the workspace's policy.
func (s *Server) holdsRole(project, email, role string) bool {
	for _, scope := range []string{project, ""} {
		raw, ok := s.iam[scope]
		if !ok {
			continue
		}
		var p iamPolicy
		if json.Unmarshal(raw, &p) != nil {
			continue
		}
		for _, b := range p.Bindings {
			if b.Role != role {
				continue
			}
			for _, m := range b.Members {
				if m == "user:"+email || m == "serviceAccount:"+email {
					return true
				}
			}
		}
	}
	return false
}

// SetGroup defines a Bytebase user group (groups/{email}) and its members.
func (s *Server) SetGroup(email string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[email] = append([]string(nil), members...)
}

// groupHandler serves GET /v1/groups/{email} as Bytebase's GroupService
// does: {"name":"groups/<email>","title":..,"members":[{"member":"users/<email>","role":"MEMBER"}]}.
func (s *Server) groupHandler(email string) handler {
	return func(*http.Request, []byte) (any, *apiError) {
		members, ok := s.groups[email]
		if !ok {
			return nil, errorf(http.StatusNotFound, 5, "group %q not found", email)
		}
		type member struct {
			Member string `json:"member"`
			Role   string `json:"role"`
		}
		out := struct {
			Name    string   `json:"name"`
			Title   string   `json:"title"`
			Members []member `json:"members"`
		}{Name: "groups/" + email, Title: email}
		for _, m := range members {
			out.Members = append(out.Members, member{Member: "users/" + m, Role: "MEMBER"})
		}
		return out, nil
	}
}
