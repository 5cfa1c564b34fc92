package access_test

import (
	"fmt"

	"github.com/rosterhq/roster/access"
)

// A host declares its permissions as constants and its roles as sets of them.
// This is seed 003's four-role organisation.
func Example() {
	const (
		ViewProducts access.Permission = iota
		EditProducts
		InviteMembers
		ChangeRoles
		ManageBilling
	)
	editor := access.SetOf(ViewProducts, EditProducts)
	policy, err := access.NewPolicy(access.Spec{
		Permissions: []access.PermissionSpec{
			ViewProducts:  {Name: "products.view"},
			EditProducts:  {Name: "products.edit"},
			InviteMembers: {Name: "members.invite"},
			ChangeRoles:   {Name: "members.change_role"},
			ManageBilling: {Name: "billing.manage"},
		},
		Roles: []access.RoleSpec{
			{Name: "owner"}, // the owner holds every permission
			{Name: "admin", Permissions: editor.With(InviteMembers, ChangeRoles)},
			{Name: "editor", Permissions: editor},
			{Name: "viewer", Permissions: access.SetOf(ViewProducts)},
		},
		Owner: "owner",
		Gates: map[access.Action]access.Permission{
			access.Invite:     InviteMembers,
			access.ChangeRole: ChangeRoles,
		},
	})
	if err != nil {
		panic(err)
	}
	for _, r := range policy.Roles() {
		names, _ := policy.Names(r.Perms)
		fmt.Println(r.Name, names)
	}
	// Output:
	// owner [products.view products.edit members.invite members.change_role billing.manage]
	// admin [products.view products.edit members.invite members.change_role]
	// editor [products.view products.edit]
	// viewer [products.view]
}

// A Grant is what a member may do, resolved when the member is loaded. In a
// request handler the check is one line; Explain says why.
func ExampleGrant_Can() {
	policy := access.MustPolicy(seed003Spec())
	editor, _ := policy.RolePerms("editor")
	g := access.NewGrant(access.GrantSpec{
		Policy: policy, Role: "editor", RolePerms: editor, Active: true,
	})

	fmt.Println(g.Can(EditProducts), g.Can(ManageBilling))
	fmt.Println(g.Explain(EditProducts))
	fmt.Println(g.Explain(ManageBilling))
	// Output:
	// true false
	// allowed: "products.edit" is granted by role "editor"
	// denied: "billing.manage" is granted neither by role "editor" nor individually
}

// A grant limited by scopes fails closed: Can answers false, for only CanIn
// knows where the request acts. Lifecycle actions are not scoped.
func ExampleGrant_CanIn() {
	policy := access.MustPolicy(seed003Spec())
	admin, _ := policy.RolePerms("admin")
	g := access.NewGrant(access.GrantSpec{
		Policy: policy, Role: "admin", RolePerms: admin, Active: true,
		Scopes: access.MustScopes("market:de"),
	})

	fmt.Println(g.Can(EditProducts), g.CanIn(EditProducts, "market:de"), g.CanIn(EditProducts, "market:us"))
	fmt.Println(g.CanDo(access.Invite))
	fmt.Println(g.Explain(EditProducts))
	fmt.Println(g.Explain(EditProducts, "market:us"))
	// Output:
	// false true false
	// true
	// denied: "products.edit" depends on the scope, for the grant is limited to [market:de]; ask CanIn with the request's scope
	// denied: scope "market:us" is outside [market:de]
}

// Policies load from JSON, with permissions named rather than numbered.
func ExampleParsePolicy() {
	policy, err := access.ParsePolicy([]byte(`{
		"permissions": ["products.view", "products.edit", "members.invite"],
		"roles": [
			{"name": "owner"},
			{"name": "editor", "permissions": ["products.view", "products.edit"]}
		],
		"owner": "owner",
		"gates": {"invite": "members.invite"},
		"invite_expiry": "72h"
	}`))
	if err != nil {
		panic(err)
	}
	edit, _ := policy.Permission("products.edit")
	gate, _ := policy.Gate(access.Invite)
	fmt.Println(edit, policy.Name(gate), policy.InviteExpiry())

	_, err = access.ParsePolicy([]byte(`{"permissions": ["a"], "roles": [{"name": "owner"}, {"name": "m", "permissions": ["b"]}], "owner": "owner"}`))
	fmt.Println(err)
	// Output:
	// perm(1) members.invite 72h0m0s
	// access: invalid policy: access: unknown permission: role m names "b"
}

// CheckText refuses the characters that hide or reorder what an audit log
// shows; names, labels and scopes are checked with it.
func ExampleCheckText() {
	fmt.Println(access.CheckText("Verkäufer"))
	fmt.Println(access.CheckText("\u202enimda")) // displays as "admin"
	_, err := access.NewScopes("market:de\u200b")
	fmt.Println(err)
	// Output:
	// <nil>
	// access: invalid text: U+202E at byte 0 is a format character
	// access: invalid scope: "market:de\u200b": access: invalid text: U+200B at byte 9 is a format character
}
