package storetest

import (
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

func testCustomRoles(t *testing.T, f Factory) {
	w := newWorld(t, f)
	perms := access.SetOf(fixture.ViewProducts, fixture.EditProducts, fixture.ReadAudit)
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, err := member.CreateRole(w.ctx, w.s, w.org.ID, w.manager.ID, "auditor", "", perms)
		return err
	})
	w.refuse(w.org.ID, store.ErrExists, func() error {
		_, err := member.CreateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "owner", "", perms)
		return err
	})
	w.refuse(w.org.ID, store.ErrExists, func() error {
		_, err := member.CreateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "viewer", "", perms)
		return err
	})
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.CreateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "biller", "", access.SetOf(fixture.ManageBilling))
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.CreateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "bad name", "", perms)
		return err
	})
	e := w.changes(w.org.ID, store.RoleCreated, func() error {
		_, err := member.CreateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "auditor", "Auditor", perms)
		return err
	})
	require.Equal(t, []string{"products.view", "products.edit", "audit.read"}, e.After.Allow)
	w.refuse(w.org.ID, store.ErrExists, func() error {
		_, err := member.CreateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "auditor", "", perms)
		return err
	})
	roles, _, err := w.s.Roles(w.ctx, w.org.ID, store.Page{})
	require.NoError(t, err)
	require.Len(t, roles, 1)
	require.Equal(t, perms, roles[0].Perms)

	// Members take it like any role; the manager may grant it (it holds all three).
	m, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.manager.ID, w.viewer.ID, "auditor")
	require.NoError(t, err)
	require.True(t, m.Can(fixture.ReadAudit))
	require.Equal(t, access.ByRole, m.Explain(fixture.ReadAudit).Reason)
	added, err := member.AddMember(w.ctx, w.s, w.org.ID, w.admin.ID, member.NewMember{NewUser: w.user(), Role: "auditor"})
	require.NoError(t, err)
	require.True(t, added.Can(fixture.EditProducts))

	// Editing it changes its members on their next load.
	w.changes(w.org.ID, store.RoleUpdated, func() error {
		_, err := member.UpdateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "auditor", "Auditor", access.SetOf(fixture.ViewProducts, fixture.ReadAudit))
		return err
	})
	require.False(t, w.get(w.viewer).Grant().Can(fixture.EditProducts))
	require.True(t, w.get(w.viewer).Grant().Can(fixture.ReadAudit))
	byUser, err := w.s.MemberByUser(w.ctx, w.org.ID, added.UserID)
	require.NoError(t, err)
	require.False(t, byUser.Can(fixture.EditProducts))
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.UpdateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "auditor", "", access.SetOf(fixture.ManageBilling))
		return err
	})
	w.refuse(w.org.ID, store.ErrNotFound, func() error {
		_, err := member.UpdateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "ghost", "", perms)
		return err
	})
	// Not deleted while in use.
	w.refuse(w.org.ID, member.ErrInUse, func() error { return member.DeleteRole(w.ctx, w.s, w.org.ID, w.admin.ID, "auditor") })
	_, err = member.ChangeRole(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID, "viewer")
	require.NoError(t, err)
	require.NoError(t, member.Remove(w.ctx, w.s, w.org.ID, w.admin.ID, added.ID))
	w.changes(w.org.ID, store.RoleDeleted, func() error { return member.DeleteRole(w.ctx, w.s, w.org.ID, w.admin.ID, "auditor") })
	roles, _, err = w.s.Roles(w.ctx, w.org.ID, store.Page{})
	require.NoError(t, err)
	require.Empty(t, roles)
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID, "auditor")
		return err
	})
	// An actor limited to some markets cannot widen a role in use: its
	// holders act in every market.
	_, err = member.CreateRole(w.ctx, w.s, w.org.ID, w.owner.ID, "helper", "", access.SetOf(fixture.ViewProducts))
	require.NoError(t, err)
	_, err = member.ChangeRole(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID, "helper")
	require.NoError(t, err)
	scoped := w.add(w.owner, "admin")
	_, err = member.SetScopes(w.ctx, w.s, w.org.ID, w.owner.ID, scoped.ID, access.MustScopes("market:de"))
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.UpdateRole(w.ctx, w.s, w.org.ID, scoped.ID, "helper", "", access.SetOf(fixture.ViewProducts, fixture.EditProducts))
		return err
	})
	w.changes(w.org.ID, store.RoleUpdated, func() error { // narrowing is fine
		_, err := member.UpdateRole(w.ctx, w.s, w.org.ID, scoped.ID, "helper", "", access.Set{})
		return err
	})
	w.changes(w.org.ID, store.RoleUpdated, func() error { // and the unscoped may widen
		_, err := member.UpdateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "helper", "", access.SetOf(fixture.ViewProducts, fixture.EditProducts))
		return err
	})

	// A custom role held by the owner's hand only: the admin cannot touch it.
	_, err = member.CreateRole(w.ctx, w.s, w.org.ID, w.owner.ID, "biller", "", access.SetOf(fixture.ManageBilling))
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrEscalation, func() error { return member.DeleteRole(w.ctx, w.s, w.org.ID, w.admin.ID, "biller") })
}
