package slackfake

import (
	"slices"
	"strings"
)

// User is a member of the fake workspace.
type User struct {
	ID, Name, RealName, Email string
	Deleted, IsBot            bool
}

type usergroup struct {
	id, handle string
	members    []string
}

// AddUser adds u, or replaces the user with the same ID.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.users[u.ID] = u
}

// AddUsergroup adds a user group (what <!subteam^ID> mentions).
func (s *Server) AddUsergroup(id, handle string, members []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.groups = append(s.st.groups, usergroup{id: id, handle: handle, members: slices.Clone(members)})
}

// wire renders u as users.info does.
func (u User) wire() map[string]any {
	return map[string]any{
		"id":        u.ID,
		"team_id":   TeamID,
		"name":      u.Name,
		"deleted":   u.Deleted,
		"real_name": u.RealName,
		"tz":        "Etc/UTC",
		"tz_offset": 0,
		"is_bot":    u.IsBot,
		"updated":   1700000000,
		"profile": map[string]any{
			"real_name":    u.RealName,
			"display_name": u.Name,
			"email":        u.Email,
			"team":         TeamID,
		},
	}
}

func (st *state) userInfo(p params) (result, *apiError) {
	u, ok := st.users[p.get("user")]
	if !ok {
		return nil, fail("user_not_found")
	}
	return result{"user": u.wire()}, nil
}

// lookupByEmail matches emails case-insensitively, as Slack does. Deleted
// users are found too; callers must check "deleted".
func (st *state) lookupByEmail(p params) (result, *apiError) {
	email := p.get("email")
	if email == "" {
		return nil, fail("invalid_arguments")
	}
	for _, u := range st.users {
		if strings.EqualFold(u.Email, email) {
			return result{"user": u.wire()}, nil
		}
	}
	return nil, fail("users_not_found")
}

func (st *state) listUsergroups(p params) (result, *apiError) {
	groups := []map[string]any{}
	for _, g := range st.groups {
		w := map[string]any{
			"id":           g.id,
			"team_id":      TeamID,
			"is_usergroup": true,
			"name":         g.handle,
			"handle":       g.handle,
			"date_create":  1700000000,
			"user_count":   len(g.members),
		}
		if p.flag("include_users") {
			w["users"] = g.members
		}
		groups = append(groups, w)
	}
	return result{"usergroups": groups}, nil
}
