package slackfake

import (
	"slices"
	"testing"

	"github.com/slack-go/slack"
)

func TestUsers(t *testing.T) {
	f, api := newFake(t)
	f.AddUser(User{ID: "U0GONE", Name: "gone", Email: "gone@example.com", Deleted: true})
	u, err := api.GetUserInfo(alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != alice.ID || u.Name != "alice" || u.RealName != "Alice A" || u.Profile.Email != alice.Email || u.Deleted {
		t.Errorf("users.info = %+v", u)
	}
	_, err = api.GetUserInfo("U0NOBODY")
	wantSlackError(t, err, "user_not_found")

	u, err = api.GetUserByEmail("dana@EXAMPLE.com")
	if err != nil || u.ID != dana.ID {
		t.Errorf("lookupByEmail = %+v, %v", u, err)
	}
	if u, err := api.GetUserByEmail("gone@example.com"); err != nil || !u.Deleted {
		t.Errorf("deleted user = %+v, %v", u, err)
	}
	_, err = api.GetUserByEmail("nobody@example.com")
	wantSlackError(t, err, "users_not_found")
}

func TestUsergroups(t *testing.T) {
	f, api := newFake(t)
	f.AddUsergroup("S0DBA", "dba-oncall", []string{dana.ID})
	groups, err := api.GetUserGroups(slack.GetUserGroupsOptionIncludeUsers(true))
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].ID != "S0DBA" || groups[0].Handle != "dba-oncall" || !slices.Equal(groups[0].Users, []string{dana.ID}) {
		t.Errorf("usergroups = %+v", groups)
	}
	groups, _ = api.GetUserGroups()
	if len(groups[0].Users) != 0 || groups[0].UserCount != 1 {
		t.Errorf("without include_users: %+v", groups[0])
	}
}
