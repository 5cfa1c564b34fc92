package main

import "github.com/rosterhq/roster/access"

// The product's permissions. The modules and their scopes are seed 004's
// (Stackcess: Products, Assets and Share Links, by market and by set), the
// data export and the Sales Rep's commission are seed 000's (Pelcro's
// collaborators, whose sites are a third scope dimension), the four-role
// ladder, the seat limit and the audit log are seed 003's, and the access
// requests with their four-digit code are seed 002's.
const (
	ViewProducts access.Permission = iota
	EditProducts
	ViewAssets
	EditAssets
	ViewLinks
	EditLinks
	ExportData
	InviteMembers   // send, resend, cancel invitations and copy their links
	ManageMembers   // role, module access, scopes, profile, status, removal
	ManagePartners  // invite, change, suspend, resume and revoke partners
	ApproveRequests // review access requests and set the access code
	ReadAudit       // read the audit log
	numPerms
)

// A module is one of seed 004's product areas, with a view and an edit
// permission: the wizard's access step sets each to none, view or edit.
type module struct {
	Key        string // the form field's name
	Label      string
	View, Edit access.Permission
}

var modules = []module{
	{"products", "Products", ViewProducts, EditProducts},
	{"assets", "Assets", ViewAssets, EditAssets},
	{"links", "Share Links", ViewLinks, EditLinks},
}

// The scopes a member, an invitation or a partnership may be limited to,
// by dimension. A real host lists its own markets, sets and sites.
var scopeDims = []scopeDim{
	{Key: "market", Label: "Markets", Values: []scopeValue{{"market:de", "Germany"}, {"market:fr", "France"}, {"market:us", "United States"}}},
	{Key: "set", Label: "Sets", Values: []scopeValue{{"set:summer-24", "Summer 24"}, {"set:core", "Core range"}, {"set:outlet", "Outlet"}}},
	{Key: "site", Label: "Sites", Values: []scopeValue{{"site:eu", "EU store"}, {"site:us", "US store"}}},
}

type scopeDim struct {
	Key, Label string
	Values     []scopeValue
}

type scopeValue struct{ Scope, Label string }

var (
	viewAll = access.SetOf(ViewProducts, ViewAssets, ViewLinks)
	editAll = viewAll.With(EditProducts, EditAssets, EditLinks)
)

// policy is the page's: an owner, admins who run the team, the partners and
// the requests, editors and viewers of the modules, and seed 000's Sales
// Rep, who lists products and share links, exports data and carries a
// commission percentage. Every member may carry a phone number.
var policy = access.MustPolicy(access.Spec{
	Permissions: []access.PermissionSpec{
		ViewProducts:    {Name: "products.view", Label: "View products"},
		EditProducts:    {Name: "products.edit", Label: "Edit products"},
		ViewAssets:      {Name: "assets.view", Label: "View assets"},
		EditAssets:      {Name: "assets.edit", Label: "Edit assets"},
		ViewLinks:       {Name: "links.view", Label: "View share links"},
		EditLinks:       {Name: "links.edit", Label: "Edit share links"},
		ExportData:      {Name: "data.export", Label: "Export data"},
		InviteMembers:   {Name: "team.invite", Label: "Invite members"},
		ManageMembers:   {Name: "team.manage", Label: "Manage members"},
		ManagePartners:  {Name: "partners.manage", Label: "Manage partners"},
		ApproveRequests: {Name: "requests.approve", Label: "Review access requests"},
		ReadAudit:       {Name: "audit.read", Label: "Read the audit log"},
	},
	Roles: []access.RoleSpec{
		{Name: "owner", Label: "Owner"},
		{Name: "admin", Label: "Admin", Permissions: access.FirstN(int(numPerms))},
		{Name: "editor", Label: "Editor", Permissions: editAll.With(ExportData)},
		{Name: "sales_rep", Label: "Sales Rep", Permissions: access.SetOf(ViewProducts, ViewLinks, ExportData),
			Fields: []string{"commission_pct"}},
		{Name: "viewer", Label: "Viewer", Permissions: viewAll},
	},
	Owner:         "owner",
	DemoteOwnerTo: "admin",
	Fields:        []string{"phone"},
	Gates: map[access.Action]access.Permission{
		access.Invite:          InviteMembers,
		access.AddMember:       ManageMembers,
		access.ChangeRole:      ManageMembers,
		access.ChangeStatus:    ManageMembers,
		access.EditProfile:     ManageMembers,
		access.Remove:          ManageMembers,
		access.ManagePartners:  ManagePartners,
		access.ApproveRequests: ApproveRequests,
		access.ReadAudit:       ReadAudit,
	},
})
