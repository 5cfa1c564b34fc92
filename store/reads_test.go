package store_test

import (
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/store"
)

// TestMemberChecksAllocs: the checks on a loaded member allocate nothing:
// Can on a variable as on a slice's element; Explain on a value (the
// member as a function returns it) no more than the grant's Explain.
func TestMemberChecksAllocs(t *testing.T) {
	policy := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "products.edit"}, {Name: "products.view"}},
		Roles:       []access.RoleSpec{{Name: "owner"}, {Name: "editor", Permissions: access.SetOf(0, 1)}},
		Owner:       "owner",
	})
	ms := []store.Member{{Role: "editor", Status: store.Active, Kind: store.Staff}}
	store.Resolve(policy, &ms[0], access.Set{})
	m := ms[0]
	get := func() store.Member { return ms[0] }
	hits := 0
	if n := testing.AllocsPerRun(1000, func() {
		if m.Can(0) && ms[0].Can(1) && !m.CanDo(access.Invite) {
			hits++
		}
	}); n != 0 {
		t.Fatalf("Can allocates %v times a call", n)
	}
	if hits == 0 {
		t.Fatal("the editor can do nothing")
	}
	// Explain builds its text; on a value it allocates no more than the
	// grant's own Explain does.
	grant := testing.AllocsPerRun(1000, func() {
		if !m.Grant().Explain(0).Allowed {
			t.Fatal("the editor cannot edit")
		}
	})
	if n := testing.AllocsPerRun(1000, func() {
		if !get().Explain(0).Allowed {
			t.Fatal("the editor cannot edit")
		}
	}); n != grant {
		t.Fatalf("Explain on a value allocates %v times a call, the grant's %v", n, grant)
	}
}
