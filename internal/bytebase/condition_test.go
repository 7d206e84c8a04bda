package bytebase_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/bytebase"
)

const fixtureCondition = `(resource.database in ["instances/prod-sample-instance/databases/hr_prod"]) && request.time < timestamp("2026-08-29T06:30:00.000Z")`

func TestParseCondition(t *testing.T) {
	exp := time.Date(2026, 8, 29, 6, 30, 0, 0, time.UTC)
	hr := "instances/prod-sample-instance/databases/hr_prod"
	tests := []struct {
		name    string
		expr    string
		dbs     []string
		expires time.Time
		summary string
	}{
		{"fixture", fixtureCondition, []string{hr}, exp, "hr_prod until 2026-08-29 06:30 UTC"},
		{"empty", "  ", nil, time.Time{}, "all databases, no expiry"},
		{"equals", `resource.database == "instances/i/databases/a"`, []string{"instances/i/databases/a"}, time.Time{}, "a, no expiry"},
		{"equals reversed", `"instances/i/databases/a" == resource.database`, []string{"instances/i/databases/a"}, time.Time{}, "a, no expiry"},
		{"less or equal", `request.time <= timestamp("2026-08-29T06:30:00Z")`, nil, exp, "all databases until 2026-08-29 06:30 UTC"},
		{"greater reversed", `timestamp("2026-08-29T08:30:00+02:00") > request.time`, nil, exp, "all databases until 2026-08-29 06:30 UTC"},
		{"earliest expiry wins", `request.time < timestamp("2027-01-01T00:00:00Z") && request.time < timestamp("2026-08-29T06:30:00Z")`, nil, exp, ""},
		{"instance and names", `resource.instance_id == "prod" && resource.database_name in ["a", "b", "a"]`,
			[]string{"instances/prod/databases/a", "instances/prod/databases/b"}, time.Time{}, "a, b, no expiry"},
		{"name without instance", `resource.database_name == "a"`, []string{"a"}, time.Time{}, ""},
		{"many databases", `resource.database in ["i/databases/a", "i/databases/b", "i/databases/c", "i/databases/d", "i/databases/e"]`,
			[]string{"i/databases/a", "i/databases/b", "i/databases/c", "i/databases/d", "i/databases/e"}, time.Time{}, "a, b, c and 2 more, no expiry"},
		{"nested conjunctions", `((resource.database in ["` + hr + `"]) && (resource.schema_name == "public")) && (request.time < timestamp("2026-08-29T06:30:00.000Z"))`,
			[]string{hr}, exp, ""},
		{"disjunction ignored", `resource.database == "x" || request.time < timestamp("2026-08-29T06:30:00Z")`, nil, time.Time{}, ""},
		{"negation ignored", `!(resource.database == "x")`, nil, time.Time{}, ""},
		{"non-string list elements ignored", `resource.database in ["x", 1, y]`, []string{"x"}, time.Time{}, ""},
		{"other functions ignored", `resource.database.startsWith("instances/") && request.time < now()`, nil, time.Time{}, ""},
		{"literal true", `true`, nil, time.Time{}, ""},
		{"unrelated fields", `resource.table_name == "t" && request.row_limit <= 1000`, nil, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := bytebase.ParseCondition(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Databases, tt.dbs) {
				t.Errorf("Databases = %q, want %q", c.Databases, tt.dbs)
			}
			if !c.ExpiresAt.Equal(tt.expires) {
				t.Errorf("ExpiresAt = %v, want %v", c.ExpiresAt, tt.expires)
			}
			if tt.summary != "" && c.Summary != tt.summary {
				t.Errorf("Summary = %q, want %q", c.Summary, tt.summary)
			}
		})
	}
}

func TestParseConditionErrors(t *testing.T) {
	for _, expr := range []string{
		`resource.database in [`,
		`&&&`,
		`request.time < timestamp("2026-13-45")`,
		`request.time < timestamp("next week")`,
		`"unterminated`,
		`a b c`,
		strings.Repeat("(", 5000) + "x" + strings.Repeat(")", 5000),
		`resource.database in ["` + strings.Repeat("x", 70<<10) + `"]`,
	} {
		if c, err := bytebase.ParseCondition(expr); err == nil {
			t.Errorf("ParseCondition(%.40q) = %+v, want error", expr, c)
		}
	}
}

func FuzzParseCondition(f *testing.F) {
	f.Add(fixtureCondition)
	f.Add(`resource.instance_id == "prod" && resource.database_name in ["a", "b"]`)
	f.Add(`timestamp("2026-08-29T08:30:00+02:00") > request.time || !(x == 1)`)
	f.Add(`resource.database in [`)
	// Conditions as they appear in the IAM policy fixture.
	var policy struct {
		Bindings []struct {
			Condition *struct{ Expression string } `json:"condition"`
		} `json:"bindings"`
	}
	if err := json.Unmarshal(readFixture(f, "iam-policy-project.json"), &policy); err != nil {
		f.Fatal(err)
	}
	for _, b := range policy.Bindings {
		if b.Condition != nil {
			f.Add(b.Condition.Expression)
		}
	}
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := bytebase.ParseCondition(expr)
		if err != nil {
			return
		}
		if c.Summary == "" {
			t.Fatal("empty Summary")
		}
		if !c.ExpiresAt.IsZero() && c.ExpiresAt.Location() != time.UTC {
			t.Fatalf("ExpiresAt %v not in UTC", c.ExpiresAt)
		}
	})
}
