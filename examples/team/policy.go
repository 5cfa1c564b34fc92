package main

import "github.com/rosterhq/roster/access"

// Pickler's permissions, from the key permissions of seed 001's roles.
const (
	ViewProducts      access.Permission = iota // view and search all products
	EditScenarios                              // create and edit scenario products
	ShareInventory                             // share inventory products
	EditCompanyData                            // create and update all company data
	DeleteCompanyData                          // delete products and company information
	ManageSettings                             // company settings
	AddMembers                                 // add Managers and Members
	RemoveMembers                              // remove Managers and Members
	AssignRoles                                // change other users' roles
)

var memberPerms = access.SetOf(ViewProducts, EditScenarios, ShareInventory)

// policy is Pickler's: one Owner, Managers who run the team and the data but
// cannot delete it, and Members who work on products.
var policy = access.MustPolicy(access.Spec{
	Permissions: []access.PermissionSpec{
		ViewProducts:      {Name: "products.view", Label: "View and search all products"},
		EditScenarios:     {Name: "scenarios.edit", Label: "Create and edit scenario products"},
		ShareInventory:    {Name: "inventory.share", Label: "Share inventory products"},
		EditCompanyData:   {Name: "data.edit", Label: "Create and update all company data"},
		DeleteCompanyData: {Name: "data.delete", Label: "Delete products and company information"},
		ManageSettings:    {Name: "settings.manage", Label: "Manage company settings"},
		AddMembers:        {Name: "team.add", Label: "Add Managers and Members"},
		RemoveMembers:     {Name: "team.remove", Label: "Remove Managers and Members"},
		AssignRoles:       {Name: "team.roles", Label: "Assign roles to other team members"},
	},
	Roles: []access.RoleSpec{
		{Name: "owner", Label: "Owner"},
		{Name: "manager", Label: "Manager", Permissions: memberPerms.With(EditCompanyData, ManageSettings,
			AddMembers, RemoveMembers, AssignRoles)},
		{Name: "member", Label: "Member", Permissions: memberPerms},
	},
	Owner:         "owner",
	DemoteOwnerTo: "manager",
	// Ungated actions (changing status, keys, transferring ownership) are
	// the Owner's alone.
	Gates: map[access.Action]access.Permission{
		access.Invite:     AddMembers,
		access.AddMember:  AddMembers,
		access.Remove:     RemoveMembers,
		access.ChangeRole: AssignRoles,
	},
})
