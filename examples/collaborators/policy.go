package main

import "github.com/rosterhq/roster/access"

// The collaborator permissions, in the order of seed 000's table, and one
// more from the Admin role's description ("an admin can manage
// collaborators"): adding, editing and changing the status of collaborators.
const (
	DeleteCollaborators access.Permission = iota
	CreateProducts
	EditProducts
	EditSKUs
	ViewProductDetails
	ListProducts
	ManageSubscriptions
	ViewSubscriptionMembers
	ManageMemberships
	PayInvoices
	ChangeInvoiceStatus
	PerformRefunds
	ExportData
	ImportData
	EditSites
	GenerateAPIKeys
	ManageShippingRates
	ViewActivityLogs
	ViewAPILogs
	SeeAccountingTools
	UseAIAgent
	ManageCollaborators
	numPerms
)

// policy is Pelcro's: an account owner and four collaborator roles. Admins
// hold everything, on the sites they are assigned; the Sales Rep profile
// carries a commission percentage; an inactive collaborator's API keys keep
// working.
var policy = access.MustPolicy(access.Spec{
	Permissions: []access.PermissionSpec{
		DeleteCollaborators:     {Name: "collaborators.delete", Label: "Delete collaborators"},
		CreateProducts:          {Name: "catalog.create", Label: "Create products and plans"},
		EditProducts:            {Name: "catalog.edit", Label: "Edit products and plans"},
		EditSKUs:                {Name: "catalog.skus", Label: "Create or edit e-commerce products and SKUs"},
		ViewProductDetails:      {Name: "catalog.view", Label: "View product details"},
		ListProducts:            {Name: "catalog.list", Label: "List products"},
		ManageSubscriptions:     {Name: "subscriptions.manage", Label: "View, edit, cancel, and reactivate subscriptions"},
		ViewSubscriptionMembers: {Name: "subscriptions.members", Label: "View list of members associated with a subscription"},
		ManageMemberships:       {Name: "memberships.manage", Label: "List, view, edit, and delete memberships"},
		PayInvoices:             {Name: "billing.invoices", Label: "View invoices, pay invoices, and update charges"},
		ChangeInvoiceStatus:     {Name: "billing.invoice_status", Label: "Change invoice status"},
		PerformRefunds:          {Name: "billing.refunds", Label: "Perform refunds"},
		ExportData:              {Name: "data.export", Label: "Export data, including reports and CSV files"},
		ImportData:              {Name: "data.import", Label: "Use standard import tool"},
		EditSites:               {Name: "settings.sites", Label: "Edit sites"},
		GenerateAPIKeys:         {Name: "settings.api_keys", Label: "Generate API keys"},
		ManageShippingRates:     {Name: "settings.shipping", Label: "Create, edit, and delete shipping rates"},
		ViewActivityLogs:        {Name: "logs.activity", Label: "View activity, webhooks, and risk-assessment logs"},
		ViewAPILogs:             {Name: "logs.api", Label: "View API logs"},
		SeeAccountingTools:      {Name: "accounting.view", Label: "See accounting tools (Enterprise only)"},
		UseAIAgent:              {Name: "ai_agent.use", Label: "Use AI Agent chat"},
		ManageCollaborators:     {Name: "collaborators.manage", Label: "Add and edit collaborators, change their status"},
	},
	Roles: []access.RoleSpec{
		{Name: "owner", Label: "Account Owner"},
		{Name: "admin", Label: "Admin", Permissions: access.FirstN(int(numPerms))},
		{Name: "support", Label: "Support", Permissions: access.SetOf(ViewProductDetails, ListProducts,
			ManageSubscriptions, ViewSubscriptionMembers, ManageMemberships, PayInvoices, ViewAPILogs, UseAIAgent)},
		{Name: "sales_rep", Label: "Sales Rep", Permissions: access.SetOf(ListProducts, ViewSubscriptionMembers,
			ManageMemberships, ExportData, ImportData), Fields: []string{"commission_pct"}},
		{Name: "agency", Label: "Agency", Permissions: access.SetOf(ImportData)},
	},
	Owner:  "owner",
	Fields: []string{"phone"}, // every collaborator may have a phone number
	Gates: map[access.Action]access.Permission{
		access.AddMember:         ManageCollaborators,
		access.Invite:            ManageCollaborators,
		access.ChangeRole:        ManageCollaborators, // role, sites and custom permissions
		access.ChangeStatus:      ManageCollaborators,
		access.EditProfile:       ManageCollaborators,
		access.ManageRoles:       ManageCollaborators, // enterprise custom roles
		access.Remove:            DeleteCollaborators,
		access.ManageKeys:        GenerateAPIKeys,
		access.ManageServiceKeys: GenerateAPIKeys,
		access.ReadAudit:         ViewActivityLogs,
	},
	InactiveKeysValid: true,
})
