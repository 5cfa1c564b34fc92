package main

import "github.com/rosterhq/roster/access"

// Stackcess' permissions: view and edit for each module (Products, Assets,
// Share Links), and managing the team and the partners.
const (
	ViewProducts access.Permission = iota
	EditProducts
	ViewAssets
	EditAssets
	ViewLinks
	EditLinks
	InviteMembers
	ManageMembers // role, module access and scope of teammates; removal
	ManagePartners
)

var (
	viewer = access.SetOf(ViewProducts, ViewAssets, ViewLinks)
	editor = viewer.With(EditProducts, EditAssets, EditLinks)
)

// policy is Stackcess': the baseline roles admin, editor and viewer, which
// an invitation adjusts per module, and the workspace owner every roster
// policy has.
var policy = access.MustPolicy(access.Spec{
	Permissions: []access.PermissionSpec{
		ViewProducts:   {Name: "products.view"},
		EditProducts:   {Name: "products.edit"},
		ViewAssets:     {Name: "assets.view"},
		EditAssets:     {Name: "assets.edit"},
		ViewLinks:      {Name: "links.view"},
		EditLinks:      {Name: "links.edit"},
		InviteMembers:  {Name: "team.invite"},
		ManageMembers:  {Name: "team.manage"},
		ManagePartners: {Name: "partners.manage"},
	},
	Roles: []access.RoleSpec{
		{Name: "owner"},
		{Name: "admin", Permissions: editor.With(InviteMembers, ManageMembers, ManagePartners)},
		{Name: "editor", Permissions: editor},
		{Name: "viewer", Permissions: viewer},
	},
	Owner: "owner",
	Gates: map[access.Action]access.Permission{
		access.Invite:         InviteMembers, // send, resend, cancel, copy the link
		access.ChangeRole:     ManageMembers, // role, module access, scopes
		access.ChangeStatus:   ManageMembers,
		access.Remove:         ManageMembers,
		access.ManagePartners: ManagePartners,
	},
})
