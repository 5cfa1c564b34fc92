package main

import "github.com/rosterhq/roster/access"

// The product's permissions. Constants index the policy's list, so that a
// value and its name cannot drift apart.
const (
	ViewProducts  access.Permission = iota // a product permission, checked at request time
	EditProducts                           // another, that editors hold and viewers do not
	ViewMembers                            // see Settings → Team
	InviteMembers                          // send, resend and cancel invitations
	ManageMembers                          // change roles, deactivate, reactivate, remove
	ReadAudit                              // read the audit log
)

// policy: an owner who holds everything, admins who run the team, editors
// who may invite (but only grant what they hold) and read-only viewers.
var policy = access.MustPolicy(access.Spec{
	Permissions: []access.PermissionSpec{
		ViewProducts:  {Name: "products.view"},
		EditProducts:  {Name: "products.edit"},
		ViewMembers:   {Name: "members.view"},
		InviteMembers: {Name: "members.invite"},
		ManageMembers: {Name: "members.manage"},
		ReadAudit:     {Name: "audit.read"},
	},
	Roles: []access.RoleSpec{
		{Name: "owner"},
		{Name: "admin", Permissions: access.SetOf(ViewProducts, EditProducts, ViewMembers, InviteMembers, ManageMembers, ReadAudit)},
		{Name: "editor", Permissions: access.SetOf(ViewProducts, EditProducts, ViewMembers, InviteMembers)},
		{Name: "viewer", Permissions: access.SetOf(ViewProducts, ViewMembers)},
	},
	Owner: "owner",
	// Ungated actions (adding members without an invitation, custom roles,
	// keys, partners) are the owner's alone.
	Gates: map[access.Action]access.Permission{
		access.Invite:       InviteMembers,
		access.ChangeRole:   ManageMembers,
		access.ChangeStatus: ManageMembers,
		access.Remove:       ManageMembers,
		access.ReadAudit:    ReadAudit,
	},
})
