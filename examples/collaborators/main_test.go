package main

import (
	"context"
	"encoding/csv"
	"io"
	"os"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	require.NoError(t, run(context.Background(), io.Discard))
}

// account is an account with an owner, an unscoped admin and one
// collaborator of each other role, on the EU site.
//
// A collaborator limited to the EU site is checked in the request's site,
// CanIn(p, "site:eu"): without a site, Can fails closed for every
// permission, and Explain says so with reason access.ScopeLimited.
type account struct {
	ctx                                context.Context
	db                                 *memstore.Store
	org                                store.Org
	owner, admin, support, rep, agency store.Member
}

func newAccount(t *testing.T) *account {
	t.Helper()
	ctx := context.Background()
	db, err := memstore.New(store.Env{Policy: policy})
	require.NoError(t, err)
	a := &account{ctx: ctx, db: db}
	a.org, a.owner, err = member.CreateOrg(ctx, db, member.NewOrg{Name: "Daily Planet", Owner: user("lois")})
	require.NoError(t, err)
	a.admin = a.add(t, a.owner, "perry", "admin", access.Scopes{})
	a.support = a.add(t, a.admin, "clark", "support", access.MustScopes("site:eu"))
	a.rep = a.add(t, a.admin, "jimmy", "sales_rep", access.MustScopes("site:eu"))
	a.agency = a.add(t, a.admin, "cat", "agency", access.MustScopes("site:eu"))
	return a
}

func (a *account) add(t *testing.T, by store.Member, name, role string, scopes access.Scopes) store.Member {
	t.Helper()
	m, err := member.AddMember(a.ctx, a.db, a.org.ID, by.ID, member.NewMember{NewUser: user(name), Role: role, Scopes: scopes})
	require.NoError(t, err)
	return m
}

// load reads m back from the store, as a request handler would.
func (a *account) load(t *testing.T, m store.Member) store.Member {
	t.Helper()
	got, err := a.db.MemberByUser(a.ctx, a.org.ID, m.UserID)
	require.NoError(t, err)
	return got
}

// TestPermissionTable checks seed 000's table cell by cell: 21 permissions
// × 4 roles, on members loaded from the store. The unscoped admin is
// checked with Can; the collaborators of the EU site with CanIn in their
// site, and each of their cells also fails closed without a site (Can false,
// and ScopeLimited for what the role holds) and outside it.
func TestPermissionTable(t *testing.T) {
	rows := map[string]access.Permission{
		"Delete collaborators":                                DeleteCollaborators,
		"Create products and plans":                           CreateProducts,
		"Edit products and plans":                             EditProducts,
		"Create or edit e-commerce products and SKUs":         EditSKUs,
		"View product details":                                ViewProductDetails,
		"List products":                                       ListProducts,
		"View, edit, cancel, and reactivate subscriptions":    ManageSubscriptions,
		"View list of members associated with a subscription": ViewSubscriptionMembers,
		"List, view, edit, and delete memberships":            ManageMemberships,
		"View invoices, pay invoices, and update charges":     PayInvoices,
		"Change invoice status":                               ChangeInvoiceStatus,
		"Perform refunds":                                     PerformRefunds,
		"Export data, including reports and CSV files":        ExportData,
		"Use standard import tool":                            ImportData,
		"Edit sites":                                          EditSites,
		"Generate API keys":                                   GenerateAPIKeys,
		"Create, edit, and delete shipping rates":             ManageShippingRates,
		"View activity, webhooks, and risk-assessment logs":   ViewActivityLogs,
		"View API logs":                                       ViewAPILogs,
		"See accounting tools (Enterprise only)":              SeeAccountingTools,
		"Use AI Agent chat":                                   UseAIAgent,
	}
	a := newAccount(t)
	byRole := map[string]store.Member{}
	for _, m := range []store.Member{a.admin, a.support, a.rep, a.agency} {
		byRole[m.Role] = a.load(t, m)
	}

	f, err := os.Open("testdata/000_collaborator_roles.csv")
	require.NoError(t, err)
	defer f.Close()
	table, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	header := table[0]
	require.Equal(t, []string{"area", "permission", "admin", "support", "sales_rep", "agency"}, header)

	cells := 0
	seen := map[access.Permission]bool{}
	for _, row := range table[1:] {
		perm, ok := rows[row[1]]
		require.True(t, ok, "row %q maps to no permission", row[1])
		require.Equal(t, row[1], policy.Label(perm), "the policy labels the permission as the seed does")
		seen[perm] = true
		for col := 2; col < len(header); col++ {
			m := byRole[header[col]]
			require.Contains(t, []string{"yes", "no"}, row[col])
			want := row[col] == "yes"
			if m.Scopes.IsZero() { // the admin reaches every site
				assert.Equal(t, want, m.Can(perm), "%s / %s: %s", row[1], header[col], m.Explain(perm))
				cells++
				continue
			}
			assert.Equal(t, want, m.CanIn(perm, "site:eu"), "%s / %s in site:eu: %s", row[1], header[col], m.Explain(perm, "site:eu"))
			assert.Equal(t, want, m.Explain(perm, "site:eu").Allowed, "%s / %s in site:eu", row[1], header[col])
			assert.False(t, m.CanIn(perm, "site:us"), "%s / %s in site:us", row[1], header[col])
			assert.False(t, m.Can(perm), "%s / %s with no site fails closed", row[1], header[col])
			if want {
				assert.Equal(t, access.ScopeLimited, m.Explain(perm).Reason, "%s / %s with no site", row[1], header[col])
			}
			cells++
		}
		assert.True(t, a.load(t, a.owner).Grant().Can(perm), "the account owner holds %q", row[1])
	}
	require.Equal(t, 21*4, cells)
	require.Len(t, seen, 21, "each row is its own permission")

	require.True(t, byRole["admin"].Scopes.IsZero(), "the table's admin is unscoped")
	for _, role := range []string{"support", "sales_rep", "agency"} {
		require.Equal(t, "[site:eu]", byRole[role].Scopes.String(), "the table's %s works on the EU site", role)
	}

	// Beyond the table: managing collaborators is the admin's (and owner's).
	for role, m := range byRole {
		assert.Equal(t, role == "admin", m.CanIn(ManageCollaborators, "site:eu"), role)
		assert.Equal(t, role == "admin", m.CanDo(access.AddMember), role)
	}
}

// Access per site: a collaborator acts on the sites it is assigned, and an
// admin of one site cannot give access to another.
func TestSites(t *testing.T) {
	a := newAccount(t)
	s := a.load(t, a.support)
	assert.True(t, s.CanIn(ManageSubscriptions, "site:eu"))
	assert.False(t, s.CanIn(ManageSubscriptions, "site:us"))
	assert.Equal(t, access.OutOfScope, s.Explain(ManageSubscriptions, "site:us").Reason)
	assert.False(t, s.Can(ManageSubscriptions), "a check that names no site fails closed")
	assert.Equal(t, access.ScopeLimited, s.Explain(ManageSubscriptions).Reason)

	euAdmin := a.add(t, a.owner, "perry-eu", "admin", access.MustScopes("site:eu"))
	_, err := member.AddMember(a.ctx, a.db, a.org.ID, euAdmin.ID, member.NewMember{NewUser: user("ron"), Role: "support",
		Scopes: access.MustScopes("site:us")})
	require.ErrorIs(t, err, member.ErrEscalation)
	_, err = member.AddMember(a.ctx, a.db, a.org.ID, euAdmin.ID, member.NewMember{NewUser: user("ron"), Role: "support"})
	require.ErrorIs(t, err, member.ErrEscalation, "an unscoped collaborator reaches every site")
	_, err = member.SetScopes(a.ctx, a.db, a.org.ID, euAdmin.ID, a.support.ID, access.MustScopes("site:eu", "site:us"))
	require.ErrorIs(t, err, member.ErrEscalation)

	// Editing a collaborator's sites (seed 000's "Edit collaborator").
	_, err = member.SetScopes(a.ctx, a.db, a.org.ID, a.admin.ID, a.support.ID, access.MustScopes("site:eu", "site:us"))
	require.NoError(t, err)
	assert.True(t, a.load(t, a.support).Grant().CanIn(ManageSubscriptions, "site:us"))
}

// Members are created directly by an admin; other collaborators cannot.
func TestAddMember(t *testing.T) {
	a := newAccount(t)
	m, err := member.AddMember(a.ctx, a.db, a.org.ID, a.admin.ID, member.NewMember{NewUser: user("ron"), Role: "agency"})
	require.NoError(t, err)
	assert.Equal(t, store.Active, m.Status)
	assert.True(t, a.load(t, m).Grant().Can(ImportData))
	_, err = member.AddMember(a.ctx, a.db, a.org.ID, a.support.ID, member.NewMember{NewUser: user("ron2"), Role: "agency"})
	require.ErrorIs(t, err, member.ErrForbidden)
	_, err = member.AddMember(a.ctx, a.db, a.org.ID, a.admin.ID, member.NewMember{NewUser: user("ron3"), Role: "owner"})
	require.ErrorIs(t, err, member.ErrOwnerProtected)
}

// Active, inactive, deleted: an inactive collaborator cannot log in but its
// API keys keep working; deleting revokes them. Only the owner or an admin
// changes a status.
func TestStatus(t *testing.T) {
	a := newAccount(t)
	_, secret, err := member.IssueKey(a.ctx, a.db, a.org.ID, a.admin.ID, a.rep.ID, "crm")
	require.NoError(t, err)

	_, err = member.Deactivate(a.ctx, a.db, a.org.ID, a.support.ID, a.rep.ID)
	require.ErrorIs(t, err, member.ErrForbidden)
	_, err = member.Deactivate(a.ctx, a.db, a.org.ID, a.admin.ID, a.rep.ID)
	require.NoError(t, err)

	off := a.load(t, a.rep)
	assert.Equal(t, store.Inactive, off.Status, "the record is preserved")
	for p := range policy.All().All() {
		assert.False(t, off.CanIn(p, "site:eu"), "an inactive collaborator cannot log in")
	}
	assert.Equal(t, access.Inactive, off.Explain(ExportData, "site:eu").Reason)
	_, err = member.UpdateProfile(a.ctx, a.db, a.org.ID, a.rep.ID, a.rep.ID, "Jimmy O.", store.Profile{})
	require.ErrorIs(t, err, member.ErrInactive, "nor act through its own session")
	keys, _, err := a.db.Keys(a.ctx, a.org.ID, a.rep.ID, store.Page{})
	require.NoError(t, err)
	assert.Len(t, keys, 1, "its API keys are preserved")
	viaKey, _, err := member.Authenticate(a.ctx, a.db, secret)
	require.NoError(t, err, "and remain valid")
	assert.True(t, viaKey.CanIn(ExportData, "site:eu"))

	_, err = member.Reactivate(a.ctx, a.db, a.org.ID, a.owner.ID, a.rep.ID)
	require.NoError(t, err)
	on := a.load(t, a.rep)
	assert.True(t, on.CanIn(ExportData, "site:eu"), "login is restored")
	assert.False(t, on.Can(ExportData), "on its site only: with no site, the check fails closed")
	assert.Equal(t, access.ScopeLimited, on.Explain(ExportData).Reason)

	require.ErrorIs(t, member.Remove(a.ctx, a.db, a.org.ID, a.support.ID, a.rep.ID), member.ErrForbidden)
	require.NoError(t, member.Remove(a.ctx, a.db, a.org.ID, a.admin.ID, a.rep.ID))
	_, err = a.db.MemberByUser(a.ctx, a.org.ID, a.rep.UserID)
	require.ErrorIs(t, err, store.ErrNotFound, "the record is gone")
	_, _, err = member.Authenticate(a.ctx, a.db, secret)
	require.ErrorIs(t, err, store.ErrNotFound, "deleting revokes the API keys")
	_, err = member.Reactivate(a.ctx, a.db, a.org.ID, a.admin.ID, a.rep.ID)
	require.ErrorIs(t, err, store.ErrNotFound, "a deleted collaborator cannot be restored")
}

// The Sales Rep profile carries a commission percentage; other roles do not.
func TestCommissionField(t *testing.T) {
	a := newAccount(t)
	commission, err := store.NewProfile(map[string]string{"commission_pct": "12.5", "phone": "+1 555 0100"})
	require.NoError(t, err)
	m, err := member.UpdateProfile(a.ctx, a.db, a.org.ID, a.admin.ID, a.rep.ID, "Jimmy", commission)
	require.NoError(t, err)
	pct, ok := a.load(t, m).Profile.Get("commission_pct")
	require.True(t, ok)
	assert.Equal(t, "12.5", pct)

	_, err = member.UpdateProfile(a.ctx, a.db, a.org.ID, a.admin.ID, a.support.ID, "Clark", commission)
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = member.UpdateProfile(a.ctx, a.db, a.org.ID, a.support.ID, a.rep.ID, "Jimmy", commission)
	require.ErrorIs(t, err, member.ErrForbidden, "Support edits no collaborator")

	// A Sales Rep who becomes Support loses the field, and keeps the phone.
	m, err = member.ChangeRole(a.ctx, a.db, a.org.ID, a.admin.ID, a.rep.ID, "support")
	require.NoError(t, err)
	_, ok = m.Profile.Get("commission_pct")
	assert.False(t, ok)
	phone, _ := m.Profile.Get("phone")
	assert.Equal(t, "+1 555 0100", phone)
}

// Enterprise clients customise permissions: per collaborator, or with a
// custom role.
func TestCustomPermissions(t *testing.T) {
	a := newAccount(t)
	_, err := member.SetPermissions(a.ctx, a.db, a.org.ID, a.owner.ID, a.support.ID, access.SetOf(ExportData), access.SetOf(UseAIAgent))
	require.NoError(t, err)
	s := a.load(t, a.support)
	assert.True(t, s.CanIn(ExportData, "site:eu"))
	assert.Equal(t, access.ByMember, s.Explain(ExportData, "site:eu").Reason)
	assert.False(t, s.Can(ExportData), "on the EU site only: with no site, the check fails closed")
	assert.Equal(t, access.ScopeLimited, s.Explain(ExportData).Reason)
	assert.False(t, s.CanIn(UseAIAgent, "site:eu"))
	assert.Equal(t, access.Withdrawn, s.Explain(UseAIAgent, "site:eu").Reason)
	_, err = member.SetPermissions(a.ctx, a.db, a.org.ID, a.support.ID, a.agency.ID, access.SetOf(ListProducts), access.Set{})
	require.ErrorIs(t, err, member.ErrForbidden)

	finance := access.SetOf(PayInvoices, ChangeInvoiceStatus, PerformRefunds, SeeAccountingTools)
	_, err = member.CreateRole(a.ctx, a.db, a.org.ID, a.support.ID, "finance", "Finance", finance)
	require.ErrorIs(t, err, member.ErrForbidden)
	_, err = member.CreateRole(a.ctx, a.db, a.org.ID, a.admin.ID, "finance", "Finance", finance)
	require.NoError(t, err)
	m, err := member.AddMember(a.ctx, a.db, a.org.ID, a.admin.ID, member.NewMember{NewUser: user("ron"), Role: "finance"})
	require.NoError(t, err)
	m = a.load(t, m)
	assert.True(t, m.Can(PerformRefunds))
	assert.False(t, m.Can(ExportData))
}
