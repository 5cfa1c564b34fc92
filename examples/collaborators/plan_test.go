package main

import (
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// TestPlans: collaborators on Professional and Enterprise only, custom
// permissions and roles on Enterprise only; a refusal by plan changes
// nothing, and the rules still decide within what the plan allows.
func TestPlans(t *testing.T) {
	a := newAccount(t)
	count := func() int {
		ms, _, err := a.db.Members(a.ctx, a.org.ID, store.Filter{}, store.Page{})
		require.NoError(t, err)
		return len(ms)
	}
	before := count()
	_, err := addCollaborator(a.ctx, a.db, Starter, a.org.ID, a.owner.ID, member.NewMember{NewUser: user("ron"), Role: "support"})
	require.ErrorIs(t, err, ErrPlan)
	require.Equal(t, before, count(), "a refusal by plan adds no one")
	for _, plan := range []Plan{Professional, Enterprise} {
		m, err := addCollaborator(a.ctx, a.db, plan, a.org.ID, a.owner.ID, member.NewMember{NewUser: user("ron-" + plan.String()), Role: "support"})
		require.NoError(t, err, plan)
		require.Equal(t, "support", m.Role)
	}
	// Within the plan, roster's rules: Support may not add collaborators.
	_, err = addCollaborator(a.ctx, a.db, Enterprise, a.org.ID, a.support.ID, member.NewMember{NewUser: user("kim"), Role: "agency"})
	require.ErrorIs(t, err, member.ErrForbidden)

	for _, plan := range []Plan{Starter, Professional} {
		_, err = customise(a.ctx, a.db, plan, a.org.ID, a.owner.ID, a.support.ID, access.SetOf(ExportData), access.Set{})
		require.ErrorIs(t, err, ErrPlan, plan)
		_, err = createRole(a.ctx, a.db, plan, a.org.ID, a.owner.ID, "finance", "Finance", access.SetOf(PayInvoices))
		require.ErrorIs(t, err, ErrPlan, plan)
	}
	support := a.load(t, a.support)
	require.False(t, support.CanIn(ExportData, "site:eu"), "a refusal by plan grants nothing")
	m, err := customise(a.ctx, a.db, Enterprise, a.org.ID, a.owner.ID, a.support.ID, access.SetOf(ExportData), access.Set{})
	require.NoError(t, err)
	require.True(t, m.CanIn(ExportData, "site:eu"))
	_, err = createRole(a.ctx, a.db, Enterprise, a.org.ID, a.owner.ID, "finance", "Finance", access.SetOf(PayInvoices))
	require.NoError(t, err)
}
