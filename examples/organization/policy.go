package main

import "github.com/rosterhq/roster/access"

// MerchantOps' permissions, in the order of seed 003's matrix.
const (
	ViewProducts access.Permission = iota
	CreateProducts
	EditProducts
	DeleteProducts
	EnrichProducts
	ExportProducts
	ManageAttributes
	ManageProductTypes
	InviteMembers
	RemoveMembers
	ChangeMemberRoles
	ManageBilling
	DeleteOrganization
)

var editor = access.SetOf(ViewProducts, CreateProducts, EditProducts, DeleteProducts, EnrichProducts, ExportProducts)

// policy is MerchantOps': an Owner, Admins who manage products and members,
// Editors and read-only Viewers. Invitations last 7 days, the default.
var policy = access.MustPolicy(access.Spec{
	Permissions: []access.PermissionSpec{
		ViewProducts:       {Name: "products.view", Label: "View products"},
		CreateProducts:     {Name: "products.create", Label: "Create products"},
		EditProducts:       {Name: "products.edit", Label: "Edit products"},
		DeleteProducts:     {Name: "products.delete", Label: "Delete products"},
		EnrichProducts:     {Name: "products.enrich", Label: "Enrich products"},
		ExportProducts:     {Name: "products.export", Label: "Export products"},
		ManageAttributes:   {Name: "attributes.manage", Label: "Manage attributes"},
		ManageProductTypes: {Name: "product_types.manage", Label: "Manage product types"},
		InviteMembers:      {Name: "members.invite", Label: "Invite members"},
		RemoveMembers:      {Name: "members.remove", Label: "Remove members"},
		ChangeMemberRoles:  {Name: "members.change_role", Label: "Change member roles"},
		ManageBilling:      {Name: "billing.manage", Label: "Manage billing"},
		DeleteOrganization: {Name: "org.delete", Label: "Delete organization"},
	},
	Roles: []access.RoleSpec{
		{Name: "owner", Label: "Owner"},
		{Name: "admin", Label: "Admin", Permissions: editor.With(ManageAttributes, ManageProductTypes,
			InviteMembers, RemoveMembers, ChangeMemberRoles)},
		{Name: "editor", Label: "Editor", Permissions: editor},
		{Name: "viewer", Label: "Viewer", Permissions: access.SetOf(ViewProducts)},
	},
	Owner: "owner",
	// Ungated actions are the Owner's alone: adding members without an
	// invitation, reading the audit log, and (always) deleting the
	// organisation.
	Gates: map[access.Action]access.Permission{
		access.Invite:     InviteMembers, // send, resend, cancel
		access.Remove:     RemoveMembers,
		access.ChangeRole: ChangeMemberRoles,
	},
})
