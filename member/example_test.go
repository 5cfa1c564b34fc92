package member_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
)

const (
	ViewProducts access.Permission = iota
	EditProducts
	ManageMembers
)

func examplePolicy() *access.Policy {
	return access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{
			ViewProducts:  {Name: "products.view"},
			EditProducts:  {Name: "products.edit"},
			ManageMembers: {Name: "members.manage"},
		},
		Roles: []access.RoleSpec{
			{Name: "owner"},
			{Name: "manager", Permissions: access.SetOf(ViewProducts, EditProducts, ManageMembers)},
			{Name: "editor", Permissions: access.SetOf(ViewProducts, EditProducts)},
			{Name: "viewer", Permissions: access.SetOf(ViewProducts)},
		},
		Owner: "owner",
		Gates: map[access.Action]access.Permission{
			access.AddMember:  ManageMembers,
			access.ChangeRole: ManageMembers,
			access.Remove:     ManageMembers,
		},
	})
}

// The lifecycle of a team: an owner, a manager who adds and changes
// members, and the rules that stop what must not happen.
func Example() {
	ctx := context.Background()
	db, _ := memstore.New(store.Env{Policy: examplePolicy()})

	org, ada, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme",
		Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io", Name: "Ada"}})
	mia, _ := member.AddMember(ctx, db, org.ID, ada.ID, member.NewMember{
		NewUser: member.NewUser{UserID: "mia", Email: "mia@acme.io", Name: "Mia"}, Role: "manager"})
	bob, _ := member.AddMember(ctx, db, org.ID, mia.ID, member.NewMember{
		NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io", Name: "Bob"}, Role: "editor"})

	// In a request handler: load the member, check one permission.
	m, _ := db.MemberByUser(ctx, org.ID, "bob")
	fmt.Println("bob can edit:", m.Can(EditProducts))

	_, err := member.ChangeRole(ctx, db, org.ID, mia.ID, bob.ID, "viewer")
	fmt.Println("mia makes bob a viewer:", err)
	m, _ = db.MemberByUser(ctx, org.ID, "bob")
	fmt.Println("bob can edit:", m.Can(EditProducts))

	// Refusals are sentinel errors.
	_, err = member.ChangeRole(ctx, db, org.ID, mia.ID, ada.ID, "viewer")
	fmt.Println(errors.Is(err, member.ErrOwnerProtected), err)
	_, err = member.ChangeRole(ctx, db, org.ID, bob.ID, bob.ID, "manager")
	fmt.Println(errors.Is(err, member.ErrForbidden), err)

	// Every change is in the audit log.
	events, _ := db.Events(ctx, org.ID, 0, 10)
	for _, e := range events {
		fmt.Println(e.Seq, e.Type, e.Actor.Name, "→", e.Target.Name)
	}
	// Output:
	// bob can edit: true
	// mia makes bob a viewer: <nil>
	// bob can edit: false
	// true roster: owner is protected: only an ownership transfer changes the owner
	// true roster: forbidden: change_role needs "members.manage", which the member lacks
	// 1 org.created Ada → Ada
	// 2 member.added Ada → Mia
	// 3 member.added Mia → Bob
	// 4 member.role_changed Mia → Bob
}

// Ownership moves only by transfer; the previous owner takes the policy's
// DemoteOwnerTo role (here the largest other role, manager).
func ExampleTransferOwnership() {
	ctx := context.Background()
	db, _ := memstore.New(store.Env{Policy: examplePolicy()})
	org, ada, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme",
		Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	bob, _ := member.AddMember(ctx, db, org.ID, ada.ID, member.NewMember{
		NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}, Role: "editor"})

	err := member.TransferOwnership(ctx, db, org.ID, ada.ID, bob.ID)
	a, _ := db.Member(ctx, org.ID, ada.ID)
	b, _ := db.Member(ctx, org.ID, bob.ID)
	fmt.Println(err, a.Role, b.Role)

	err = member.Leave(ctx, db, org.ID, bob.ID)
	fmt.Println(err)
	// Output:
	// <nil> manager owner
	// roster: owner is protected: the owner must transfer ownership before leaving
}

// API keys authenticate back to their member; a removed member's keys stop
// at once.
func ExampleAuthenticate() {
	ctx := context.Background()
	spec := examplePolicy().Spec()
	spec.Gates[access.ManageKeys] = ManageMembers
	db, _ := memstore.New(store.Env{Policy: access.MustPolicy(spec)})
	org, ada, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme",
		Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	ci, _ := member.AddMember(ctx, db, org.ID, ada.ID, member.NewMember{
		NewUser: member.NewUser{UserID: "ci", Email: "ci@acme.io"}, Role: "editor"})

	key, secret, _ := member.IssueKey(ctx, db, org.ID, ada.ID, ci.ID, "deploys")
	m, _, err := member.Authenticate(ctx, db, secret)
	fmt.Println(key.Name, m.UserID, m.Can(EditProducts), err)

	_ = member.Remove(ctx, db, org.ID, ada.ID, ci.ID)
	_, _, err = member.Authenticate(ctx, db, secret)
	fmt.Println(errors.Is(err, store.ErrNotFound))
	// Output:
	// deploys ci true <nil>
	// true
}
