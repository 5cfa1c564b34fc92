package main

import "github.com/rosterhq/roster/access"

// The store admin's permissions, as a collaborator request lists them.
const (
	ViewOrders access.Permission = iota
	EditOrders
	ViewProducts
	EditProducts
	ViewCustomers
	EditThemes
	ManageApps
	ViewReports
	ManageSettings
	ManageStaff // add and remove staff and collaborators, adjust their permissions
)

// policy is a Shopify store's: the store owner and staff accounts. Access
// requests are left ungated, so only the store owner approves them and sets
// the security code.
var policy = access.MustPolicy(access.Spec{
	Permissions: []access.PermissionSpec{
		ViewOrders:     {Name: "orders.view", Label: "View orders"},
		EditOrders:     {Name: "orders.edit", Label: "Edit orders"},
		ViewProducts:   {Name: "products.view", Label: "View products"},
		EditProducts:   {Name: "products.edit", Label: "Edit products"},
		ViewCustomers:  {Name: "customers.view", Label: "View customers"},
		EditThemes:     {Name: "themes.edit", Label: "Edit themes"},
		ManageApps:     {Name: "apps.manage", Label: "Manage apps"},
		ViewReports:    {Name: "reports.view", Label: "View reports"},
		ManageSettings: {Name: "settings.manage", Label: "Manage settings"},
		ManageStaff:    {Name: "staff.manage", Label: "Manage staff and collaborators"},
	},
	Roles: []access.RoleSpec{
		{Name: "owner", Label: "Store owner"},
		{Name: "staff", Label: "Staff", Permissions: access.SetOf(ViewOrders, EditOrders, ViewProducts,
			EditProducts, ViewCustomers, ViewReports)},
	},
	Owner: "owner",
	Gates: map[access.Action]access.Permission{
		access.AddMember:    ManageStaff,
		access.Invite:       ManageStaff,
		access.Remove:       ManageStaff,
		access.ChangeRole:   ManageStaff, // also adjusts a collaborator's permissions
		access.ChangeStatus: ManageStaff,
	},
})
