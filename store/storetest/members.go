package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

func testAddMember(t *testing.T, f Factory) {
	w := newWorld(t, f)
	u := w.user()
	prof, err := store.NewProfile(map[string]string{"commission_pct": "12.5", "phone": "+44 1"})
	require.NoError(t, err)
	var m store.Member
	e := w.changes(w.org.ID, store.MemberAdded, func() error {
		var err error
		m, err = member.AddMember(w.ctx, w.s, w.org.ID, w.admin.ID, member.NewMember{NewUser: u, Role: "editor",
			Allow: access.SetOf(fixture.ReadAudit), Deny: access.SetOf(fixture.DeleteProducts), Scopes: access.MustScopes("site:eu"), Profile: prof})
		return err
	})
	require.Equal(t, w.admin.ID, e.Actor.Member)
	require.Equal(t, m.ID, e.Target.Member)
	require.Equal(t, "editor", e.After.Role)
	require.Equal(t, []string{"audit.read"}, e.After.Allow)

	got := w.get(m)
	require.Equal(t, m.ID, got.ID)
	require.Equal(t, strings.ToLower(u.Email), got.Email)
	require.Equal(t, store.Staff, got.Kind)
	require.True(t, got.CanIn(fixture.EditProducts, "site:eu"))
	require.True(t, got.CanIn(fixture.ReadAudit, "site:eu"))
	require.False(t, got.Can(fixture.ReadAudit), "a scope-limited member's Can fails closed")
	require.False(t, got.Can(fixture.DeleteProducts))
	require.True(t, got.CanIn(fixture.EditProducts, "site:eu"))
	require.False(t, got.CanIn(fixture.EditProducts, "site:us"))
	v, _ := got.Profile.Get("commission_pct")
	require.Equal(t, "12.5", v)

	byUser, err := w.s.MemberByUser(w.ctx, w.org.ID, u.UserID)
	require.NoError(t, err)
	require.Equal(t, m.ID, byUser.ID)

	// The same user, or the same e-mail, cannot join twice.
	w.refuse(w.org.ID, store.ErrAlreadyMember, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: u, Role: "viewer"})
		return err
	})
	w.refuse(w.org.ID, store.ErrAlreadyMember, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{
			NewUser: member.NewUser{UserID: "other", Email: strings.ToUpper(u.Email)}, Role: "viewer"})
		return err
	})
	// Gate, owner role, unknown role, fields.
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.editor.ID, member.NewMember{NewUser: w.user(), Role: "viewer"})
		return err
	})
	w.refuse(w.org.ID, member.ErrOwnerProtected, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Role: "owner"})
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Role: "pilot"})
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Role: "viewer", Profile: prof})
		return err
	})
	w.refuse(w.org.ID, access.ErrUnknownRole, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Role: "pilot"})
		return err
	})
	// A manager cannot add an admin: it would grant what it lacks.
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.manager.ID, member.NewMember{NewUser: w.user(), Role: "admin"})
		return err
	})
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.manager.ID, member.NewMember{NewUser: w.user(), Role: "viewer", Allow: access.SetOf(fixture.ManageBilling)})
		return err
	})
	// An external collaborator has no role and no seat.
	ext, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Kind: store.External, Allow: access.SetOf(fixture.ViewProducts, fixture.EditProducts)})
	require.NoError(t, err)
	require.Equal(t, "", ext.Role)
	require.True(t, ext.Can(fixture.EditProducts))
	require.False(t, ext.Can(fixture.DeleteProducts))
	require.Equal(t, access.FromCollaborator, ext.Grant().Source())
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Kind: store.External, Role: "viewer"})
		return err
	})
}

func testBadInput(t *testing.T, f Factory) {
	w := newWorld(t, f)
	nu := func(id, email, name string) member.NewMember {
		return member.NewMember{NewUser: member.NewUser{UserID: id, Email: email, Name: name}, Role: "viewer"}
	}
	for name, n := range map[string]member.NewMember{
		"empty user":        nu("", "a@b.co", ""),
		"long user":         nu(strings.Repeat("u", 201), "a@b.co", ""),
		"control in user":   nu("u\x00", "a@b.co", ""),
		"bad e-mail":        nu("u", "a@@b.co", ""),
		"no domain dot":     nu("u", "a@localhost", ""),
		"display name form": nu("u", "Bob <bob@b.co>", ""),
		"long name":         nu("u", "a@b.co", strings.Repeat("n", 201)),
		"invalid UTF-8":     nu("u", "a@b.co", "\xff"),
		"unknown perm":      {NewUser: member.NewUser{UserID: "u", Email: "a@b.co"}, Role: "viewer", Allow: access.SetOf(200)},
		"empty role":        nu("u", "a@b.co", ""),
		"spaced user":       nu("u ", "a@b.co", ""),
		"non-ASCII e-mail":  nu("u", "\u212aim@x.io", ""),
	} {
		if name == "empty role" {
			n.Role = ""
		}
		t.Run(name, func(t *testing.T) {
			w.refuse(w.org.ID, store.ErrInvalid, func() error {
				_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, n)
				return err
			})
		})
	}
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, uuid.Nil, w.viewer.ID, "editor")
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.owner.ID, uuid.Nil, "editor")
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, uuid.Nil, w.owner.ID, w.viewer.ID, "editor")
		return err
	})
	_, _, err := w.s.Members(w.ctx, w.org.ID, store.Filter{}, store.Page{After: "%%%"})
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = member.ChangeRole(w.ctx, w.s, uuid.Must(uuid.NewV7()), w.owner.ID, w.viewer.ID, "editor")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testChangeRole(t *testing.T, f Factory) {
	w := newWorld(t, f)
	prof, _ := store.NewProfile(map[string]string{"commission_pct": "10", "phone": "1"})
	_, err := member.UpdateProfile(w.ctx, w.s, w.org.ID, w.owner.ID, w.editor.ID, "Ed", prof)
	require.NoError(t, err)
	var m store.Member
	e := w.changes(w.org.ID, store.MemberRoleChanged, func() error {
		m, err = member.ChangeRole(w.ctx, w.s, w.org.ID, w.manager.ID, w.editor.ID, "viewer")
		return err
	})
	require.Equal(t, "editor", e.Before.Role)
	require.Equal(t, "viewer", e.After.Role)
	require.Equal(t, map[string]string{"phone": "1"}, e.After.Profile, "fields the new role does not allow are dropped")
	got := w.get(w.editor)
	require.Equal(t, "viewer", got.Role)
	require.False(t, got.Can(fixture.EditProducts), "a change takes effect on the next load")
	require.Equal(t, effective(m.Grant()), effective(got.Grant()))

	// Changing to the same role changes nothing and writes nothing.
	before := w.state(w.org.ID)
	_, err = member.ChangeRole(w.ctx, w.s, w.org.ID, w.manager.ID, w.editor.ID, "viewer")
	require.NoError(t, err)
	require.Equal(t, before, w.state(w.org.ID))

	// Nobody changes their own role; seed 001's members cannot either.
	w.refuse(w.org.ID, member.ErrSelf, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.manager.ID, w.manager.ID, "viewer")
		return err
	})
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.viewer.ID, w.viewer.ID, "admin")
		return err
	})
	// Equal is fine: a manager may change another manager.
	other := w.add(w.owner, "manager")
	w.changes(w.org.ID, store.MemberRoleChanged, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.manager.ID, other.ID, "editor")
		return err
	})
	w.refuse(w.org.ID, store.ErrNotFound, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.manager.ID, uuid.Must(uuid.NewV7()), "editor")
		return err
	})
}

func testOwnerProtected(t *testing.T, f Factory) {
	w := newWorld(t, f)
	o := w.owner.ID
	for name, op := range map[string]func() error{
		"change role": func() error { _, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.admin.ID, o, "viewer"); return err },
		"set perms": func() error {
			_, err := member.SetPermissions(w.ctx, w.s, w.org.ID, w.admin.ID, o, access.Set{}, access.SetOf(fixture.ViewProducts))
			return err
		},
		"scopes": func() error {
			_, err := member.SetScopes(w.ctx, w.s, w.org.ID, w.admin.ID, o, access.MustScopes("a"))
			return err
		},
		"profile": func() error {
			_, err := member.UpdateProfile(w.ctx, w.s, w.org.ID, w.admin.ID, o, "x", store.Profile{})
			return err
		},
		"deactivate": func() error { _, err := member.Deactivate(w.ctx, w.s, w.org.ID, w.admin.ID, o); return err },
		"remove":     func() error { return member.Remove(w.ctx, w.s, w.org.ID, w.admin.ID, o) },
		"grant owner role": func() error {
			_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID, "owner")
			return err
		},
		"owner grants owner role": func() error {
			_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID, "owner")
			return err
		},
		"owner leaves": func() error { return member.Leave(w.ctx, w.s, w.org.ID, o) },
		"key for owner": func() error {
			_, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, o, "k")
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { w.refuse(w.org.ID, member.ErrOwnerProtected, op) })
	}
	// The owner cannot change its own role or status either.
	w.refuse(w.org.ID, member.ErrSelf, func() error { _, err := member.Deactivate(w.ctx, w.s, w.org.ID, o, o); return err })
	w.refuse(w.org.ID, member.ErrSelf, func() error { _, err := member.ChangeRole(w.ctx, w.s, w.org.ID, o, o, "admin"); return err })
	require.Equal(t, []string{"admin", "editor", "manager", "owner", "viewer"}, w.roleNames(w.org.ID))
}

func testEscalation(t *testing.T, f Factory) {
	w := newWorld(t, f)
	// A manager cannot act on an admin, who holds more.
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.Deactivate(w.ctx, w.s, w.org.ID, w.manager.ID, w.admin.ID)
		return err
	})
	w.refuse(w.org.ID, member.ErrEscalation, func() error { return member.Remove(w.ctx, w.s, w.org.ID, w.manager.ID, w.admin.ID) })
	// Nor promote anyone to what it lacks.
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.manager.ID, w.viewer.ID, "admin")
		return err
	})
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.SetPermissions(w.ctx, w.s, w.org.ID, w.manager.ID, w.viewer.ID, access.SetOf(fixture.ManageKeys), access.Set{})
		return err
	})
	// An admin holds all but billing: it cannot grant billing.
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.SetPermissions(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID, access.SetOf(fixture.ManageBilling), access.Set{})
		return err
	})
	// Inactive members hold what they held: still covered by the rule.
	_, err := member.SetPermissions(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID, access.SetOf(fixture.ManageBilling), access.Set{})
	require.NoError(t, err)
	_, err = member.Deactivate(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID)
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.Reactivate(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID)
		return err
	})
	// Scoped actors cannot reach beyond their scopes.
	scoped := w.add(w.owner, "manager")
	_, err = member.SetScopes(w.ctx, w.s, w.org.ID, w.owner.ID, scoped.ID, access.MustScopes("site:eu"))
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, scoped.ID, w.editor.ID, "viewer")
		return err
	})
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, scoped.ID, member.NewMember{NewUser: w.user(), Role: "viewer"})
		return err
	})
	w.changes(w.org.ID, store.MemberAdded, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, scoped.ID, member.NewMember{NewUser: w.user(), Role: "viewer", Scopes: access.MustScopes("site:eu", "market:de")})
		return err
	})
}

func testSetPermissions(t *testing.T, f Factory) {
	w := newWorld(t, f)
	e := w.changes(w.org.ID, store.MemberPermsSet, func() error {
		_, err := member.SetPermissions(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, access.SetOf(fixture.ReadAudit), access.SetOf(fixture.DeleteProducts))
		return err
	})
	require.Equal(t, []string{"audit.read"}, e.After.Allow)
	require.Equal(t, []string{"products.delete"}, e.After.Deny)
	got := w.get(w.editor)
	require.True(t, got.Can(fixture.ReadAudit))
	require.False(t, got.Can(fixture.DeleteProducts))
	require.Equal(t, access.Withdrawn, got.Explain(fixture.DeleteProducts).Reason)
	require.Equal(t, access.ByMember, got.Explain(fixture.ReadAudit).Reason)
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.SetPermissions(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, access.SetOf(250), access.Set{})
		return err
	})
}

func testScopes(t *testing.T, f Factory) {
	w := newWorld(t, f)
	e := w.changes(w.org.ID, store.MemberScopesSet, func() error {
		_, err := member.SetScopes(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, access.MustScopes("market:de", "market:fr", "set:a"))
		return err
	})
	require.Equal(t, []string{"market:de", "market:fr", "set:a"}, e.After.Scopes)
	got := w.get(w.editor)
	require.True(t, got.CanIn(fixture.EditProducts, "market:de", "set:a"))
	require.False(t, got.CanIn(fixture.EditProducts, "market:us"))
	require.False(t, got.CanIn(fixture.EditProducts, "market:de", "set:b"))
	require.True(t, got.CanIn(fixture.EditProducts, "site:any"))
	require.False(t, got.Can(fixture.EditProducts), "a scope-limited member's unscoped check fails closed")
	require.Equal(t, access.ScopeLimited, got.Explain(fixture.EditProducts).Reason, "and Explain says to ask CanIn")
	w.changes(w.org.ID, store.MemberScopesSet, func() error {
		_, err := member.SetScopes(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, access.Scopes{})
		return err
	})
	got = w.get(w.editor)
	require.True(t, got.CanIn(fixture.EditProducts, "market:us"))
}

func testProfile(t *testing.T, f Factory) {
	w := newWorld(t, f)
	prof, _ := store.NewProfile(map[string]string{"commission_pct": "7.5"})
	// Anyone may rename themselves; fields need the gate.
	w.changes(w.org.ID, store.MemberProfileSet, func() error {
		_, err := member.UpdateProfile(w.ctx, w.s, w.org.ID, w.editor.ID, w.editor.ID, "Eddie", store.Profile{})
		return err
	})
	require.Equal(t, "Eddie", w.get(w.editor).Name)
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, err := member.UpdateProfile(w.ctx, w.s, w.org.ID, w.editor.ID, w.editor.ID, "Eddie", prof)
		return err
	})
	e := w.changes(w.org.ID, store.MemberProfileSet, func() error {
		_, err := member.UpdateProfile(w.ctx, w.s, w.org.ID, w.manager.ID, w.editor.ID, "Eddie", prof)
		return err
	})
	require.Equal(t, map[string]string{"commission_pct": "7.5"}, e.After.Profile)
	// commission_pct is for editors only.
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.UpdateProfile(w.ctx, w.s, w.org.ID, w.manager.ID, w.viewer.ID, "V", prof)
		return err
	})
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, err := member.UpdateProfile(w.ctx, w.s, w.org.ID, w.viewer.ID, w.editor.ID, "x", prof)
		return err
	})
	_, err := store.NewProfile(map[string]string{"bad key": "x"})
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = store.NewProfile(map[string]string{"k": strings.Repeat("v", 1025)})
	require.ErrorIs(t, err, store.ErrInvalid)

	// A patch changes what it names and keeps the rest.
	name := "Edwina"
	w.changes(w.org.ID, store.MemberProfileSet, func() error {
		_, err := member.PatchProfile(w.ctx, w.s, w.org.ID, w.editor.ID, w.editor.ID, member.ProfilePatch{Name: &name})
		return err
	})
	got := w.get(w.editor)
	require.Equal(t, "Edwina", got.Name)
	require.Equal(t, map[string]string{"commission_pct": "7.5"}, got.Profile.Map(), "renaming yourself keeps your fields")
	w.changes(w.org.ID, store.MemberProfileSet, func() error {
		_, err := member.PatchProfile(w.ctx, w.s, w.org.ID, w.manager.ID, w.editor.ID, member.ProfilePatch{Set: map[string]string{"phone": "+49 30 1234"}})
		return err
	})
	got = w.get(w.editor)
	require.Equal(t, "Edwina", got.Name, "a field's patch keeps the name")
	require.Equal(t, map[string]string{"commission_pct": "7.5", "phone": "+49 30 1234"}, got.Profile.Map())
	w.changes(w.org.ID, store.MemberProfileSet, func() error {
		_, err := member.PatchProfile(w.ctx, w.s, w.org.ID, w.manager.ID, w.editor.ID, member.ProfilePatch{Unset: []string{"commission_pct"}})
		return err
	})
	require.Equal(t, map[string]string{"phone": "+49 30 1234"}, w.get(w.editor).Profile.Map())
	// The gates and checks of UpdateProfile hold.
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, err := member.PatchProfile(w.ctx, w.s, w.org.ID, w.editor.ID, w.editor.ID, member.ProfilePatch{Set: map[string]string{"phone": "1"}})
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.PatchProfile(w.ctx, w.s, w.org.ID, w.manager.ID, w.viewer.ID, member.ProfilePatch{Set: map[string]string{"commission_pct": "1"}})
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.PatchProfile(w.ctx, w.s, w.org.ID, w.manager.ID, w.editor.ID, member.ProfilePatch{Set: map[string]string{"phone": "1"}, Unset: []string{"phone"}})
		return err
	})
	w.refuse(w.org.ID, store.ErrNotFound, func() error {
		_, err := member.PatchProfile(w.ctx, w.s, w.org.ID, w.manager.ID, uuid.Must(uuid.NewV7()), member.ProfilePatch{Name: &name})
		return err
	})
}

func testStatus(t *testing.T, f Factory) {
	w := newWorld(t, f)
	_, secret, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, "ci")
	require.NoError(t, err)
	_, err = member.SetScopes(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, access.MustScopes("site:a"))
	require.NoError(t, err)
	before := w.get(w.editor)

	w.changes(w.org.ID, store.MemberDeactivated, func() error {
		_, err := member.Deactivate(w.ctx, w.s, w.org.ID, w.manager.ID, w.editor.ID)
		return err
	})
	off := w.get(w.editor)
	require.Equal(t, store.Inactive, off.Status)
	for p := range w.p.All().All() {
		require.False(t, off.Can(p), "an inactive member can do nothing")
	}
	require.Equal(t, access.Inactive, off.Explain(fixture.ViewProducts).Reason)
	require.Equal(t, before.Role, off.Role)
	keys, _, err := w.s.Keys(w.ctx, w.org.ID, w.editor.ID, store.Page{})
	require.NoError(t, err)
	require.Len(t, keys, 1, "an inactive member keeps its keys")
	_, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.ErrorIs(t, err, member.ErrInactive, "by default keys stop with their member")

	// An inactive member can do nothing through its own session.
	w.refuse(w.org.ID, member.ErrInactive, func() error { return member.Leave(w.ctx, w.s, w.org.ID, w.editor.ID) })
	w.refuse(w.org.ID, member.ErrInactive, func() error {
		_, err := member.UpdateProfile(w.ctx, w.s, w.org.ID, w.editor.ID, w.editor.ID, "x", store.Profile{})
		return err
	})
	// Deactivating again changes nothing.
	st := w.state(w.org.ID)
	_, err = member.Deactivate(w.ctx, w.s, w.org.ID, w.manager.ID, w.editor.ID)
	require.NoError(t, err)
	require.Equal(t, st, w.state(w.org.ID))

	w.changes(w.org.ID, store.MemberReactivated, func() error {
		_, err := member.Reactivate(w.ctx, w.s, w.org.ID, w.manager.ID, w.editor.ID)
		return err
	})
	on := w.get(w.editor)
	before.Updated, on.Updated = time.Time{}, time.Time{}
	require.Equal(t, effective(before.Grant()), effective(on.Grant()), "reactivation restores exactly what it had")
	require.Equal(t, before.Scopes, on.Scopes)
	require.Equal(t, before.Role, on.Role)
	_, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.NoError(t, err)

	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, err := member.Deactivate(w.ctx, w.s, w.org.ID, w.editor.ID, w.viewer.ID)
		return err
	})
	w.refuse(w.org.ID, member.ErrSelf, func() error {
		_, err := member.Deactivate(w.ctx, w.s, w.org.ID, w.manager.ID, w.manager.ID)
		return err
	})
}

func testRemove(t *testing.T, f Factory) {
	w := newWorld(t, f)
	_, secret, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, "ci")
	require.NoError(t, err)
	e := w.changes(w.org.ID, store.MemberRemoved, func() error { return member.Remove(w.ctx, w.s, w.org.ID, w.manager.ID, w.editor.ID) })
	require.Equal(t, w.editor.Name, e.Target.Name, "the log keeps the removed member's name")
	require.Equal(t, w.editor.Email, e.Target.Email)
	require.Equal(t, "editor", e.Before.Role)
	_, err = w.s.Member(w.ctx, w.org.ID, w.editor.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = w.s.MemberByUser(w.ctx, w.org.ID, w.editor.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.ErrorIs(t, err, store.ErrNotFound, "a removed member's keys stop at once")
	orgs, _, err := w.s.UserOrgs(w.ctx, w.editor.UserID, store.Page{})
	require.NoError(t, err)
	require.Empty(t, orgs)

	w.refuse(w.org.ID, store.ErrNotFound, func() error { return member.Remove(w.ctx, w.s, w.org.ID, w.manager.ID, w.editor.ID) })
	w.refuse(w.org.ID, store.ErrNotFound, func() error { return member.Remove(w.ctx, w.s, w.org.ID, w.editor.ID, w.viewer.ID) })
	w.refuse(w.org.ID, member.ErrForbidden, func() error { return member.Remove(w.ctx, w.s, w.org.ID, w.viewer.ID, w.manager.ID) })
	w.refuse(w.org.ID, member.ErrSelf, func() error { return member.Remove(w.ctx, w.s, w.org.ID, w.manager.ID, w.manager.ID) })
	// The removed user can be added again, as a new member.
	again, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{
		NewUser: member.NewUser{UserID: w.editor.UserID, Email: w.editor.Email}, Role: "viewer"})
	require.NoError(t, err)
	require.NotEqual(t, w.editor.ID, again.ID)
}

func testLeave(t *testing.T, f Factory) {
	w := newWorld(t, f)
	e := w.changes(w.org.ID, store.MemberLeft, func() error { return member.Leave(w.ctx, w.s, w.org.ID, w.viewer.ID) })
	require.Equal(t, w.viewer.ID, e.Actor.Member)
	require.Equal(t, w.viewer.ID, e.Target.Member)
	_, err := w.s.Member(w.ctx, w.org.ID, w.viewer.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	w.refuse(w.org.ID, store.ErrNotFound, func() error { return member.Leave(w.ctx, w.s, w.org.ID, w.viewer.ID) })
	w.refuse(w.org.ID, member.ErrOwnerProtected, func() error { return member.Leave(w.ctx, w.s, w.org.ID, w.owner.ID) })
}

func testReads(t *testing.T, f Factory) {
	w := newWorld(t, f)
	_, err := member.Deactivate(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID)
	require.NoError(t, err)
	ext, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Kind: store.External, Allow: access.SetOf(fixture.ViewProducts)})
	require.NoError(t, err)
	list := func(f store.Filter) []store.ID {
		ms, next, err := w.s.Members(w.ctx, w.org.ID, f, store.Page{})
		require.NoError(t, err)
		require.Empty(t, next)
		var ids []store.ID
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
		return ids
	}
	require.Equal(t, []store.ID{w.viewer.ID}, list(store.Filter{Status: store.Inactive}))
	require.Equal(t, []store.ID{ext.ID}, list(store.Filter{Kind: store.External}))
	require.Equal(t, []store.ID{w.manager.ID}, list(store.Filter{Role: "manager"}))
	require.Len(t, list(store.Filter{Kind: store.Staff, Status: store.Active}), 4)
	all := list(store.Filter{})
	require.Len(t, all, 6)
	require.IsIncreasing(t, idStrings(all), "members are listed in ID order")

	owner, err := w.s.MemberByUser(w.ctx, w.org.ID, w.owner.UserID)
	require.NoError(t, err)
	require.True(t, owner.IsOwner())
	_, err = w.s.MemberByUser(w.ctx, w.org.ID, "nobody")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = w.s.Org(w.ctx, uuid.Must(uuid.NewV7()))
	require.ErrorIs(t, err, store.ErrNotFound)
	ms, _, err := w.s.Members(w.ctx, uuid.Must(uuid.NewV7()), store.Filter{}, store.Page{})
	require.NoError(t, err)
	require.Empty(t, ms)
}

func idStrings(ids []store.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

func testPagination(t *testing.T, f Factory) {
	w := newWorld(t, f)
	for range 12 {
		w.add(w.owner, "viewer")
	}
	var seen []store.ID
	p := store.Page{Limit: 5}
	pages := 0
	for {
		ms, next, err := w.s.Members(w.ctx, w.org.ID, store.Filter{}, p)
		require.NoError(t, err)
		require.LessOrEqual(t, len(ms), 5)
		for _, m := range ms {
			seen = append(seen, m.ID)
		}
		pages++
		if next == "" {
			break
		}
		p.After = next
	}
	require.Equal(t, 4, pages)
	require.Len(t, seen, 17)
	require.IsIncreasing(t, idStrings(seen))
	// Filtered pages.
	var viewers int
	p = store.Page{Limit: 4}
	for {
		ms, next, err := w.s.Members(w.ctx, w.org.ID, store.Filter{Role: "viewer"}, p)
		require.NoError(t, err)
		viewers += len(ms)
		if next == "" {
			break
		}
		p.After = next
	}
	require.Equal(t, 13, viewers)
	// The event feed pages by sequence number.
	evs := w.events(w.org.ID)
	first, err := w.s.Events(w.ctx, w.org.ID, 0, 3)
	require.NoError(t, err)
	require.Equal(t, evs[:3], first)
	rest, err := w.s.Events(w.ctx, w.org.ID, 3, 1000)
	require.NoError(t, err)
	require.Equal(t, evs[3:], rest)
	for i, e := range evs {
		require.Equal(t, int64(i+1), e.Seq)
	}
}

// testEmailLookups reads a member and a pending invitation by e-mail, as an
// invite form asks "already a member? already invited?".
func testEmailLookups(t *testing.T, f Factory) {
	w := newWorld(t, f)
	m, err := w.s.MemberByEmail(w.ctx, w.org.ID, w.editor.Email)
	require.NoError(t, err)
	require.Equal(t, w.editor.ID, m.ID)
	require.True(t, m.Can(fixture.EditProducts), "resolved, as every member read")
	_, err = w.s.MemberByEmail(w.ctx, w.org.ID, "nobody@example.com")
	require.ErrorIs(t, err, store.ErrNotFound)
	other, _ := w.newOrg("Other", 0)
	_, err = w.s.MemberByEmail(w.ctx, other.ID, w.editor.Email)
	require.ErrorIs(t, err, store.ErrNotFound, "another organisation's member")
	_, err = w.s.MemberByEmail(w.ctx, w.org.ID, strings.ToUpper(w.editor.Email))
	require.ErrorIs(t, err, store.ErrInvalid, "an e-mail not normalised")
	_, err = w.s.MemberByEmail(w.ctx, w.org.ID, w.editor.Email+"\x00")
	require.ErrorIs(t, err, store.ErrInvalid)

	inv, tok, u := w.send(w.admin, "viewer")
	got, err := w.s.PendingInvitation(w.ctx, w.org.ID, store.ForMember, inv.Email)
	require.NoError(t, err)
	require.Equal(t, inv.ID, got.ID)
	_, err = w.s.PendingInvitation(w.ctx, w.org.ID, store.ForPartner, inv.Email)
	require.ErrorIs(t, err, store.ErrNotFound, "of the other kind")
	_, err = w.s.PendingInvitation(w.ctx, w.org.ID, store.ForMember, "  "+inv.Email)
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = invite.Accept(w.ctx, w.s, tok, u)
	require.NoError(t, err)
	_, err = w.s.PendingInvitation(w.ctx, w.org.ID, store.ForMember, inv.Email)
	require.ErrorIs(t, err, store.ErrNotFound, "accepted: no longer pending")
	m, err = w.s.MemberByEmail(w.ctx, w.org.ID, inv.Email)
	require.NoError(t, err)
	require.Equal(t, u.UserID, m.UserID)
}
