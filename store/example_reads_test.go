package store_test

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
)

// Explain and ExplainDo take the member as a value: they answer on a
// member as a function returns it, or as a map holds it.
func ExampleMember_Explain() {
	ctx := context.Background()
	const edit access.Permission = 0
	policy := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "products.edit"}, {Name: "members.manage"}},
		Roles: []access.RoleSpec{{Name: "owner"}, {Name: "editor", Permissions: access.SetOf(edit)},
			{Name: "viewer"}},
		Owner: "owner",
		Gates: map[access.Action]access.Permission{access.AddMember: 1, access.Remove: 1},
	})
	db, _ := memstore.New(store.Env{Policy: policy})
	org, ada, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	bob, _ := member.AddMember(ctx, db, org.ID, ada.ID, member.NewMember{
		NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}, Role: "viewer"})

	// The member as a function returns it.
	lookup := func(user string) store.Member {
		m, _ := db.MemberByUser(ctx, org.ID, user)
		return m
	}
	fmt.Println(lookup("ada").Explain(edit))
	fmt.Println(lookup("bob").Explain(edit))

	// The member as a map holds it.
	byID := map[store.ID]store.Member{bob.ID: bob}
	fmt.Println(byID[bob.ID].ExplainDo(access.Remove))
	// Output:
	// allowed: role "owner" is the owner's and holds every permission
	// denied: "products.edit" is granted neither by role "viewer" nor individually
	// denied: remove needs "members.manage", which the member lacks
}

// An organisation switcher: the user's organisations with their names and
// the user's role and status in each, a page in one read.
func ExampleStore_UserOrgs() {
	ctx := context.Background()
	policy := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "members.manage"}},
		Roles:       []access.RoleSpec{{Name: "owner"}, {Name: "admin", Permissions: access.SetOf(0)}},
		Owner:       "owner",
		Gates:       map[access.Action]access.Permission{access.AddMember: 0},
	})
	db, _ := memstore.New(store.Env{Policy: policy})
	member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	globex, gus, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Globex", Owner: member.NewUser{UserID: "gus", Email: "gus@globex.io"}})
	member.AddMember(ctx, db, globex.ID, gus.ID, member.NewMember{
		NewUser: member.NewUser{UserID: "ada", Email: "ada@acme.io"}, Role: "admin"})

	ms, _, _ := db.UserOrgs(ctx, "ada", store.Page{})
	for _, m := range ms {
		fmt.Println(m.Org.Name, m.Member.Role, m.Member.Status)
	}
	// Unordered output:
	// Acme owner active
	// Globex admin active
}
