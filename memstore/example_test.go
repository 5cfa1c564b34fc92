package memstore_test

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
)

// A store in memory, for tests and demos.
func ExampleNew() {
	policy := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "docs.read"}},
		Roles:       []access.RoleSpec{{Name: "owner"}, {Name: "reader", Permissions: access.SetOf(0)}},
		Owner:       "owner",
	})
	db, err := memstore.New(store.Env{Policy: policy})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	org, _, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	m, _ := db.MemberByUser(ctx, org.ID, "ada")
	fmt.Println(m.IsOwner(), m.Can(0))
	// Output: true true
}
