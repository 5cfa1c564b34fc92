package access_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
)

// Every refusal of a policy says "invalid policy" once: the errors of the
// checks already wrap ErrInvalidPolicy, and NewPolicy and ParsePolicy must
// not wrap it again ("access: invalid policy: access: invalid policy: …").
func TestPolicyErrorsSayItOnce(t *testing.T) {
	perms := []access.PermissionSpec{{Name: "a"}}
	for name, spec := range map[string]access.Spec{
		"owner lists permissions": {Permissions: []access.PermissionSpec{{Name: "a"}, {Name: "b"}}, Roles: []access.RoleSpec{{Name: "o", Permissions: access.SetOf(0)}, {Name: "v"}}, Owner: "o"},
		"owner alone":             {Permissions: perms, Roles: []access.RoleSpec{{Name: "o"}}, Owner: "o"},
		"negative expiry":         {Permissions: perms, Roles: []access.RoleSpec{{Name: "o"}, {Name: "v"}}, Owner: "o", InviteExpiry: -time.Hour},
		"unknown owner":           {Permissions: perms, Roles: []access.RoleSpec{{Name: "o"}, {Name: "v"}}, Owner: "x"},
	} {
		_, err := access.NewPolicy(spec)
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		if n := strings.Count(err.Error(), "invalid policy"); n != 1 {
			t.Errorf("%s: %q says invalid policy %d times", name, err, n)
		}
	}
	for _, data := range []string{`{"owner":"o","roles":[{"name":"o"}],"permissions":[{"name":"a"}]}`, `{"owner":`, `{} {}`} {
		_, err := access.ParsePolicy([]byte(data))
		if err == nil {
			t.Fatalf("%s: accepted", data)
		}
		if n := strings.Count(err.Error(), "invalid policy"); n != 1 {
			t.Errorf("%s: %q says invalid policy %d times", data, err, n)
		}
	}
}
