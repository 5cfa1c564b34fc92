package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

func testCreateOrg(t *testing.T, f Factory) {
	w := newWorld(t, f)
	o, err := w.s.Org(w.ctx, w.org.ID)
	require.NoError(t, err)
	require.Equal(t, w.org, o)
	require.Equal(t, "Acme", o.Name)
	require.Equal(t, uuid.Version(7), o.ID.Version(), "organisation IDs are UUIDv7")

	owner := w.get(w.owner)
	require.True(t, owner.IsOwner())
	require.Equal(t, "owner", owner.Role)
	require.Equal(t, store.Active, owner.Status)
	require.Equal(t, "user.1@example.com", owner.Email, "e-mails are stored normalised")
	for p := range w.p.All().All() {
		require.True(t, owner.Can(p), "the owner holds %s", w.p.Name(p))
	}
	evs := w.events(w.org.ID)
	require.Equal(t, store.OrgCreated, evs[0].Type)
	require.Equal(t, owner.ID, evs[0].Actor.Member)

	// A refused creation leaves nothing behind.
	_, _, err = member.CreateOrg(w.ctx, w.s, member.NewOrg{Name: "", Owner: w.user()})
	require.ErrorIs(t, err, store.ErrInvalid)
	_, _, err = member.CreateOrg(w.ctx, w.s, member.NewOrg{Name: "X", Owner: member.NewUser{UserID: "u", Email: "not-an-email"}})
	require.ErrorIs(t, err, store.ErrInvalid)
	_, _, err = member.CreateOrg(w.ctx, w.s, member.NewOrg{Name: "X", SeatLimit: -1, Owner: w.user()})
	require.ErrorIs(t, err, store.ErrInvalid)

	orgs, err := w.s.UserOrgs(w.ctx, w.owner.UserID)
	require.NoError(t, err)
	require.Len(t, orgs, 1)
	require.Equal(t, w.org.ID, orgs[0].Org)
}

func testOrgSettings(t *testing.T, f Factory) {
	w := newWorld(t, f)
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, err := member.RenameOrg(w.ctx, w.s, w.org.ID, w.admin.ID, "Nope")
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.RenameOrg(w.ctx, w.s, w.org.ID, w.owner.ID, strings.Repeat("x", 201))
		return err
	})
	e := w.changes(w.org.ID, store.OrgRenamed, func() error {
		_, err := member.RenameOrg(w.ctx, w.s, w.org.ID, w.owner.ID, "Acme Ltd")
		return err
	})
	require.Equal(t, "Acme", e.Before.Name)
	require.Equal(t, "Acme Ltd", e.After.Name)

	// Seat limits: five staff members now.
	w.refuse(w.org.ID, member.ErrSeatLimit, func() error {
		_, err := member.SetSeatLimit(w.ctx, w.s, w.org.ID, 4)
		return err
	})
	w.changes(w.org.ID, store.OrgSeatsChanged, func() error {
		_, err := member.SetSeatLimit(w.ctx, w.s, w.org.ID, 5)
		return err
	})
	o, err := w.s.Org(w.ctx, w.org.ID)
	require.NoError(t, err)
	require.Equal(t, 5, o.SeatLimit)
	w.refuse(w.org.ID, member.ErrSeatLimit, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Role: "viewer"})
		return err
	})
	// External collaborators take no seat.
	w.changes(w.org.ID, store.MemberAdded, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Kind: store.External, Allow: access.SetOf(ViewProducts)})
		return err
	})
}

func testAddMember(t *testing.T, f Factory) {
	w := newWorld(t, f)
	u := w.user()
	prof, err := store.NewProfile(map[string]string{"commission_pct": "12.5", "phone": "+44 1"})
	require.NoError(t, err)
	var m store.Member
	e := w.changes(w.org.ID, store.MemberAdded, func() error {
		var err error
		m, err = member.AddMember(w.ctx, w.s, w.org.ID, w.admin.ID, member.NewMember{NewUser: u, Role: "editor",
			Allow: access.SetOf(ReadAudit), Deny: access.SetOf(DeleteProducts), Scopes: access.MustScopes("site:eu"), Profile: prof})
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
	require.True(t, got.Can(EditProducts))
	require.True(t, got.Can(ReadAudit))
	require.False(t, got.Can(DeleteProducts))
	require.True(t, got.CanIn(EditProducts, "site:eu"))
	require.False(t, got.CanIn(EditProducts, "site:us"))
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
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.manager.ID, member.NewMember{NewUser: w.user(), Role: "viewer", Allow: access.SetOf(ManageBilling)})
		return err
	})
	// An external collaborator has no role and no seat.
	ext, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Kind: store.External, Allow: access.SetOf(ViewProducts, EditProducts)})
	require.NoError(t, err)
	require.Equal(t, "", ext.Role)
	require.True(t, ext.Can(EditProducts))
	require.False(t, ext.Can(DeleteProducts))
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
	require.False(t, got.Can(EditProducts), "a change takes effect on the next load")
	require.Equal(t, m.Grant().Perms(), got.Grant().Perms())

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
			_, err := member.SetPermissions(w.ctx, w.s, w.org.ID, w.admin.ID, o, access.Set{}, access.SetOf(ViewProducts))
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
		_, err := member.SetPermissions(w.ctx, w.s, w.org.ID, w.manager.ID, w.viewer.ID, access.SetOf(ManageKeys), access.Set{})
		return err
	})
	// An admin holds all but billing: it cannot grant billing.
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.SetPermissions(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID, access.SetOf(ManageBilling), access.Set{})
		return err
	})
	// Inactive members hold what they held: still covered by the rule.
	_, err := member.SetPermissions(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID, access.SetOf(ManageBilling), access.Set{})
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
		_, err := member.SetPermissions(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, access.SetOf(ReadAudit), access.SetOf(DeleteProducts))
		return err
	})
	require.Equal(t, []string{"audit.read"}, e.After.Allow)
	require.Equal(t, []string{"products.delete"}, e.After.Deny)
	got := w.get(w.editor)
	require.True(t, got.Can(ReadAudit))
	require.False(t, got.Can(DeleteProducts))
	require.Equal(t, access.Withdrawn, got.Explain(DeleteProducts).Reason)
	require.Equal(t, access.ByMember, got.Explain(ReadAudit).Reason)
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
	require.True(t, got.CanIn(EditProducts, "market:de", "set:a"))
	require.False(t, got.CanIn(EditProducts, "market:us"))
	require.False(t, got.CanIn(EditProducts, "market:de", "set:b"))
	require.True(t, got.CanIn(EditProducts, "site:any"))
	require.True(t, got.Can(EditProducts), "an unscoped check ignores scopes")
	w.changes(w.org.ID, store.MemberScopesSet, func() error {
		_, err := member.SetScopes(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, access.Scopes{})
		return err
	})
	got = w.get(w.editor)
	require.True(t, got.CanIn(EditProducts, "market:us"))
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
	require.Equal(t, access.Inactive, off.Explain(ViewProducts).Reason)
	require.Equal(t, before.Role, off.Role)
	keys, err := w.s.Keys(w.ctx, w.org.ID, w.editor.ID)
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
	require.Equal(t, before.Grant().Perms(), on.Grant().Perms(), "reactivation restores exactly what it had")
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
	orgs, err := w.s.UserOrgs(w.ctx, w.editor.UserID)
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

func testTransfer(t *testing.T, f Factory) {
	w := newWorld(t, f)
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		return member.TransferOwnership(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID)
	})
	w.refuse(w.org.ID, member.ErrSelf, func() error {
		return member.TransferOwnership(w.ctx, w.s, w.org.ID, w.owner.ID, w.owner.ID)
	})
	ext, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Kind: store.External, Allow: access.SetOf(ViewProducts)})
	require.NoError(t, err)
	w.refuse(w.org.ID, store.ErrInvalid, func() error { return member.TransferOwnership(w.ctx, w.s, w.org.ID, w.owner.ID, ext.ID) })
	_, err = member.Deactivate(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID)
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrInactive, func() error { return member.TransferOwnership(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID) })

	_, err = member.SetScopes(w.ctx, w.s, w.org.ID, w.owner.ID, w.editor.ID, access.MustScopes("site:a"))
	require.NoError(t, err)
	e := w.changes(w.org.ID, store.OwnerTransferred, func() error {
		return member.TransferOwnership(w.ctx, w.s, w.org.ID, w.owner.ID, w.editor.ID)
	})
	require.Equal(t, w.owner.ID, e.Actor.Member)
	require.Equal(t, w.editor.ID, e.Target.Member)
	newOwner, oldOwner := w.get(w.editor), w.get(w.owner)
	require.True(t, newOwner.IsOwner())
	require.True(t, newOwner.Scopes.IsZero(), "the owner is never scoped")
	require.Equal(t, w.p.DemoteOwnerTo().Name, oldOwner.Role)
	require.Equal(t, "admin", oldOwner.Role)
	require.False(t, oldOwner.Can(ManageBilling))
	owners, _, err := w.s.Members(w.ctx, w.org.ID, store.Filter{Role: "owner"}, store.Page{})
	require.NoError(t, err)
	require.Len(t, owners, 1)
	// The previous owner is an ordinary admin now: the new owner may act on it.
	w.changes(w.org.ID, store.MemberRoleChanged, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.editor.ID, w.owner.ID, "viewer")
		return err
	})
}

func testTransferTwoStep(t *testing.T, f Factory) {
	w := newWorld(t, f)
	w.refuse(w.org.ID, store.ErrNotFound, func() error { return member.AcceptTransfer(w.ctx, w.s, w.org.ID, w.admin.ID) })
	w.refuse(w.org.ID, store.ErrNotFound, func() error { return member.CancelTransfer(w.ctx, w.s, w.org.ID, w.owner.ID) })
	w.refuse(w.org.ID, member.ErrForbidden, func() error { return member.ProposeTransfer(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID) })
	e := w.changes(w.org.ID, store.TransferProposed, func() error {
		return member.ProposeTransfer(w.ctx, w.s, w.org.ID, w.owner.ID, w.admin.ID)
	})
	require.Equal(t, w.admin.ID, e.Target.Member)
	o, err := w.s.Org(w.ctx, w.org.ID)
	require.NoError(t, err)
	require.Equal(t, w.admin.ID, o.PendingOwner)
	require.True(t, w.get(w.owner).IsOwner(), "a proposal changes no owner")

	w.refuse(w.org.ID, store.ErrNotFound, func() error { return member.AcceptTransfer(w.ctx, w.s, w.org.ID, w.editor.ID) })
	w.refuse(w.org.ID, member.ErrForbidden, func() error { return member.CancelTransfer(w.ctx, w.s, w.org.ID, w.editor.ID) })
	// Declined by the proposed owner.
	w.changes(w.org.ID, store.TransferCancelled, func() error { return member.CancelTransfer(w.ctx, w.s, w.org.ID, w.admin.ID) })
	// Proposed again, then the proposed member is deactivated, removed or
	// leaves: the proposal lapses, and that change's one event says so.
	lapses := func(what store.EventType, to store.Member, op func() error) {
		t.Helper()
		require.NoError(t, member.ProposeTransfer(w.ctx, w.s, w.org.ID, w.owner.ID, to.ID))
		e := w.changes(w.org.ID, what, op)
		require.Equal(t, to.ID, e.Target.Member)
		require.True(t, e.Before.ProposedOwner, "%s of the proposed owner records the lapse", what)
		require.False(t, e.After.ProposedOwner)
		o, err := w.s.Org(w.ctx, w.org.ID)
		require.NoError(t, err)
		require.Equal(t, uuid.Nil, o.PendingOwner)
	}
	lapses(store.MemberDeactivated, w.admin, func() error {
		_, err := member.Deactivate(w.ctx, w.s, w.org.ID, w.owner.ID, w.admin.ID)
		return err
	})
	e = w.changes(w.org.ID, store.MemberReactivated, func() error {
		_, err := member.Reactivate(w.ctx, w.s, w.org.ID, w.owner.ID, w.admin.ID)
		return err
	})
	require.False(t, e.Before.ProposedOwner, "a reactivation does not bring the proposal back")
	spare := w.add(w.owner, "admin")
	lapses(store.MemberRemoved, spare, func() error { return member.Remove(w.ctx, w.s, w.org.ID, w.owner.ID, spare.ID) })
	spare = w.add(w.owner, "admin")
	lapses(store.MemberLeft, spare, func() error { return member.Leave(w.ctx, w.s, w.org.ID, spare.ID) })
	// A member to whom nothing was proposed leaves no such mark.
	spare = w.add(w.owner, "admin")
	e = w.changes(w.org.ID, store.MemberDeactivated, func() error {
		_, err := member.Deactivate(w.ctx, w.s, w.org.ID, w.owner.ID, spare.ID)
		return err
	})
	require.False(t, e.Before.ProposedOwner)

	require.NoError(t, member.ProposeTransfer(w.ctx, w.s, w.org.ID, w.owner.ID, w.manager.ID))
	e = w.changes(w.org.ID, store.OwnerTransferred, func() error { return member.AcceptTransfer(w.ctx, w.s, w.org.ID, w.manager.ID) })
	require.Equal(t, w.manager.ID, e.Actor.Member)
	require.True(t, w.get(w.manager).IsOwner())
	require.Equal(t, "admin", w.get(w.owner).Role)
	o, _ = w.s.Org(w.ctx, w.org.ID)
	require.Equal(t, uuid.Nil, o.PendingOwner)
	w.refuse(w.org.ID, store.ErrNotFound, func() error { return member.AcceptTransfer(w.ctx, w.s, w.org.ID, w.manager.ID) })
}

func testDeleteOrg(t *testing.T, f Factory) {
	w := newWorld(t, f)
	_, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.admin.ID, "k")
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrForbidden, func() error { return member.DeleteOrg(w.ctx, w.s, w.org.ID, w.admin.ID) })
	n := len(w.events(w.org.ID))
	require.NoError(t, member.DeleteOrg(w.ctx, w.s, w.org.ID, w.owner.ID))
	_, err = w.s.Org(w.ctx, w.org.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = w.s.MemberByUser(w.ctx, w.org.ID, w.admin.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)
	orgs, err := w.s.UserOrgs(w.ctx, w.admin.UserID)
	require.NoError(t, err)
	require.Empty(t, orgs)
	evs := w.events(w.org.ID)
	require.Len(t, evs, n+1, "the audit log outlives the organisation")
	require.Equal(t, store.OrgDeleted, evs[n].Type)
	_, err = member.ChangeRole(w.ctx, w.s, w.org.ID, w.owner.ID, w.admin.ID, "viewer")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testCustomRoles(t *testing.T, f Factory) {
	w := newWorld(t, f)
	perms := access.SetOf(ViewProducts, EditProducts, ReadAudit)
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
		_, err := member.CreateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "biller", "", access.SetOf(ManageBilling))
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
	roles, err := w.s.Roles(w.ctx, w.org.ID)
	require.NoError(t, err)
	require.Len(t, roles, 1)
	require.Equal(t, perms, roles[0].Perms)

	// Members take it like any role; the manager may grant it (it holds all three).
	m, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.manager.ID, w.viewer.ID, "auditor")
	require.NoError(t, err)
	require.True(t, m.Can(ReadAudit))
	require.Equal(t, access.ByRole, m.Explain(ReadAudit).Reason)
	added, err := member.AddMember(w.ctx, w.s, w.org.ID, w.admin.ID, member.NewMember{NewUser: w.user(), Role: "auditor"})
	require.NoError(t, err)
	require.True(t, added.Can(EditProducts))

	// Editing it changes its members on their next load.
	w.changes(w.org.ID, store.RoleUpdated, func() error {
		_, err := member.UpdateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "auditor", "Auditor", access.SetOf(ViewProducts, ReadAudit))
		return err
	})
	require.False(t, w.get(w.viewer).Grant().Can(EditProducts))
	require.True(t, w.get(w.viewer).Grant().Can(ReadAudit))
	byUser, err := w.s.MemberByUser(w.ctx, w.org.ID, added.UserID)
	require.NoError(t, err)
	require.False(t, byUser.Can(EditProducts))
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.UpdateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "auditor", "", access.SetOf(ManageBilling))
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
	roles, err = w.s.Roles(w.ctx, w.org.ID)
	require.NoError(t, err)
	require.Empty(t, roles)
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID, "auditor")
		return err
	})
	// An actor limited to some markets cannot widen a role in use: its
	// holders act in every market.
	_, err = member.CreateRole(w.ctx, w.s, w.org.ID, w.owner.ID, "helper", "", access.SetOf(ViewProducts))
	require.NoError(t, err)
	_, err = member.ChangeRole(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID, "helper")
	require.NoError(t, err)
	scoped := w.add(w.owner, "admin")
	_, err = member.SetScopes(w.ctx, w.s, w.org.ID, w.owner.ID, scoped.ID, access.MustScopes("market:de"))
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.UpdateRole(w.ctx, w.s, w.org.ID, scoped.ID, "helper", "", access.SetOf(ViewProducts, EditProducts))
		return err
	})
	w.changes(w.org.ID, store.RoleUpdated, func() error { // narrowing is fine
		_, err := member.UpdateRole(w.ctx, w.s, w.org.ID, scoped.ID, "helper", "", access.Set{})
		return err
	})
	w.changes(w.org.ID, store.RoleUpdated, func() error { // and the unscoped may widen
		_, err := member.UpdateRole(w.ctx, w.s, w.org.ID, w.admin.ID, "helper", "", access.SetOf(ViewProducts, EditProducts))
		return err
	})

	// A custom role held by the owner's hand only: the admin cannot touch it.
	_, err = member.CreateRole(w.ctx, w.s, w.org.ID, w.owner.ID, "biller", "", access.SetOf(ManageBilling))
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrEscalation, func() error { return member.DeleteRole(w.ctx, w.s, w.org.ID, w.admin.ID, "biller") })
}

func testKeys(t *testing.T, f Factory) {
	w := newWorld(t, f)
	var k store.Key
	var secret string
	e := w.changes(w.org.ID, store.KeyIssued, func() error {
		var err error
		k, secret, err = member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, "deploy")
		return err
	})
	require.Equal(t, k.ID, e.Object)
	require.Equal(t, w.editor.ID, e.Target.Member)
	require.True(t, strings.HasPrefix(secret, k.Prefix), "the prefix shows the start of the secret")
	require.Less(t, len(k.Prefix), len(secret)/2)
	require.NotContains(t, w.state(w.org.ID), secret, "the secret is not stored")

	m, key, err := member.Authenticate(w.ctx, w.s, secret)
	require.NoError(t, err)
	require.Equal(t, w.editor.ID, m.ID)
	require.Equal(t, k.ID, key.ID)
	require.True(t, m.Can(EditProducts))
	require.False(t, m.Can(ManageKeys))
	require.Equal(t, access.FromKey, m.Grant().Source())

	_, _, err = member.Authenticate(w.ctx, w.s, "rkey_nope")
	require.ErrorIs(t, err, store.ErrInvalid)
	_, _, err = member.Authenticate(w.ctx, w.s, secret[:len(secret)-2]+"AA")
	require.ErrorIs(t, err, store.ErrNotFound)

	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.editor.ID, w.editor.ID, "mine")
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, "")
		return err
	})
	_, err = member.Deactivate(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID)
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrInactive, func() error {
		_, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID, "k")
		return err
	})
	keys, err := w.s.Keys(w.ctx, w.org.ID, w.editor.ID)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	require.Equal(t, k, keys[0])

	// A member revokes its own key without the gate; others need it.
	w.refuse(w.org.ID, member.ErrForbidden, func() error { return member.RevokeKey(w.ctx, w.s, w.org.ID, w.manager.ID, k.ID) })
	w.changes(w.org.ID, store.KeyRevoked, func() error { return member.RevokeKey(w.ctx, w.s, w.org.ID, w.editor.ID, k.ID) })
	_, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.ErrorIs(t, err, store.ErrNotFound)
	w.refuse(w.org.ID, store.ErrNotFound, func() error { return member.RevokeKey(w.ctx, w.s, w.org.ID, w.editor.ID, k.ID) })

	k2, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.admin.ID, "admin's")
	require.NoError(t, err)
	_, err = member.SetPermissions(w.ctx, w.s, w.org.ID, w.owner.ID, w.editor.ID, access.SetOf(ManageKeys), access.Set{})
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrEscalation, func() error { return member.RevokeKey(w.ctx, w.s, w.org.ID, w.editor.ID, k2.ID) })
	w.changes(w.org.ID, store.KeyRevoked, func() error { return member.RevokeKey(w.ctx, w.s, w.org.ID, w.owner.ID, k2.ID) })
}

func testInactiveKeysValid(t *testing.T, f Factory) {
	spec := Policy().Spec()
	spec.InactiveKeysValid = true
	clock := NewClock()
	env := NewEnv(clock, 7)
	env.Policy = access.MustPolicy(spec)
	s := f(t, env)
	ctx := context.Background()
	o, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Pelcro", Owner: member.NewUser{UserID: "o", Email: "o@x.io"}})
	require.NoError(t, err)
	m, err := member.AddMember(ctx, s, o.ID, owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "c", Email: "c@x.io"}, Role: "editor"})
	require.NoError(t, err)
	_, secret, err := member.IssueKey(ctx, s, o.ID, owner.ID, m.ID, "integration")
	require.NoError(t, err)
	_, err = member.Deactivate(ctx, s, o.ID, owner.ID, m.ID)
	require.NoError(t, err)
	off, err := s.Member(ctx, o.ID, m.ID)
	require.NoError(t, err)
	require.False(t, off.Can(EditProducts), "the member's own session is blocked")
	viaKey, _, err := member.Authenticate(ctx, s, secret)
	require.NoError(t, err, "seed 000: keys of inactive collaborators keep working")
	require.True(t, viaKey.Can(EditProducts))
	require.NoError(t, member.Remove(ctx, s, o.ID, owner.ID, m.ID))
	_, _, err = member.Authenticate(ctx, s, secret)
	require.ErrorIs(t, err, store.ErrNotFound, "deleting revokes the keys")
}

func testIsolation(t *testing.T, f Factory) {
	w := newWorld(t, f)
	other, otherOwner := w.newOrg("Globex", 0)
	stranger := w.add(otherOwner, "admin")
	// IDs from another organisation are not found, whoever uses them.
	w.refuse(w.org.ID, store.ErrNotFound, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.owner.ID, stranger.ID, "viewer")
		return err
	})
	w.refuse(w.org.ID, store.ErrNotFound, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, otherOwner.ID, w.viewer.ID, "editor")
		return err
	})
	w.refuse(other.ID, store.ErrNotFound, func() error { return member.Remove(w.ctx, w.s, other.ID, otherOwner.ID, w.viewer.ID) })
	w.refuse(other.ID, store.ErrNotFound, func() error { return member.TransferOwnership(w.ctx, w.s, other.ID, otherOwner.ID, w.admin.ID) })
	_, err := w.s.Member(w.ctx, other.ID, w.admin.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = w.s.MemberByUser(w.ctx, other.ID, w.admin.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)
	k, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.admin.ID, "k")
	require.NoError(t, err)
	w.refuse(other.ID, store.ErrNotFound, func() error { return member.RevokeKey(w.ctx, w.s, other.ID, otherOwner.ID, k.ID) })
	keys, err := w.s.Keys(w.ctx, other.ID, w.admin.ID)
	require.NoError(t, err)
	require.Empty(t, keys)

	// One user, two organisations: two memberships.
	both, err := member.AddMember(w.ctx, w.s, other.ID, otherOwner.ID, member.NewMember{
		NewUser: member.NewUser{UserID: w.editor.UserID, Email: w.editor.Email}, Role: "viewer"})
	require.NoError(t, err)
	orgs, err := w.s.UserOrgs(w.ctx, w.editor.UserID)
	require.NoError(t, err)
	require.Len(t, orgs, 2)
	got := map[store.ID]string{orgs[0].Org: orgs[0].Role, orgs[1].Org: orgs[1].Role}
	require.Equal(t, map[store.ID]string{w.org.ID: "editor", other.ID: "viewer"}, got)
	require.NotEqual(t, both.ID, w.editor.ID)
}

func testReads(t *testing.T, f Factory) {
	w := newWorld(t, f)
	_, err := member.Deactivate(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID)
	require.NoError(t, err)
	ext, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Kind: store.External, Allow: access.SetOf(ViewProducts)})
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

func testAuditAttribution(t *testing.T, f Factory) {
	w := newWorld(t, f)
	_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.manager.ID, w.editor.ID, "viewer")
	require.NoError(t, err)
	require.NoError(t, member.Remove(w.ctx, w.s, w.org.ID, w.owner.ID, w.manager.ID))
	evs := w.events(w.org.ID)
	var found bool
	for _, e := range evs {
		if e.Type == store.MemberRoleChanged {
			found = true
			require.Equal(t, store.Party{Member: w.manager.ID, UserID: w.manager.UserID, Name: w.manager.Name, Email: w.manager.Email}, e.Actor,
				"the actor's snapshot survives its removal")
			require.Equal(t, w.editor.Name, e.Target.Name)
			require.False(t, e.Time.IsZero())
			require.NotEqual(t, uuid.Nil, e.ID)
		}
	}
	require.True(t, found)

	// People read the log through AuditLog, gated by access.ReadAudit.
	_, err = member.AuditLog(w.ctx, w.s, w.org.ID, w.viewer.ID, 0, 10)
	require.ErrorIs(t, err, member.ErrForbidden)
	_, err = member.AuditLog(w.ctx, w.s, w.org.ID, w.manager.ID, 0, 10)
	require.ErrorIs(t, err, store.ErrNotFound, "the removed manager reads nothing")
	got, err := member.AuditLog(w.ctx, w.s, w.org.ID, w.admin.ID, 2, 3)
	require.NoError(t, err)
	require.Equal(t, evs[2:5], got)
}

func testAtomicity(t *testing.T, f Factory) {
	w := newWorld(t, f)
	before := w.state(w.org.ID)
	boom := errors.New("boom")
	err := w.s.Update(w.ctx, w.org.ID, func(tx storeTx) error {
		if _, err := member.DeactivateTx(w.ctx, tx, w.owner.ID, w.editor.ID); err != nil {
			return err
		}
		if _, err := member.ChangeRoleTx(w.ctx, tx, w.owner.ID, w.viewer.ID, "admin"); err != nil {
			return err
		}
		if _, err := member.CreateRoleTx(w.ctx, tx, w.owner.ID, "temp", "", access.SetOf(ViewProducts)); err != nil {
			return err
		}
		if _, _, err := member.IssueKeyTx(w.ctx, tx, w.owner.ID, w.admin.ID, "k"); err != nil {
			return err
		}
		if err := member.RemoveTx(w.ctx, tx, w.owner.ID, w.manager.ID); err != nil {
			return err
		}
		if err := member.TransferOwnershipTx(w.ctx, tx, w.owner.ID, w.admin.ID); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, before, w.state(w.org.ID), "a failed unit of work leaves nothing behind")
	require.True(t, w.get(w.owner).IsOwner())
	_, err = w.s.MemberByUser(w.ctx, w.org.ID, w.manager.UserID)
	require.NoError(t, err)
	orgs, err := w.s.UserOrgs(w.ctx, w.manager.UserID)
	require.NoError(t, err)
	require.Len(t, orgs, 1)

	// A failed org creation leaves no organisation.
	n := len(w.events(w.org.ID))
	err = w.s.Update(w.ctx, w.org.ID, func(tx storeTx) error {
		if _, err := member.AddMemberTx(w.ctx, tx, w.owner.ID, member.NewMember{NewUser: w.user(), Role: "viewer"}); err != nil {
			return err
		}
		_, err := member.AddMemberTx(w.ctx, tx, w.owner.ID, member.NewMember{NewUser: w.user(), Role: "pilot"})
		return err
	})
	require.ErrorIs(t, err, store.ErrInvalid)
	require.Len(t, w.events(w.org.ID), n)

	// Composed changes commit together, one event each.
	err = w.s.Update(w.ctx, w.org.ID, func(tx storeTx) error {
		if _, err := member.DeactivateTx(w.ctx, tx, w.owner.ID, w.editor.ID); err != nil {
			return err
		}
		_, err := member.ChangeRoleTx(w.ctx, tx, w.owner.ID, w.viewer.ID, "editor")
		return err
	})
	require.NoError(t, err)
	require.Len(t, w.events(w.org.ID), n+2)
	require.Equal(t, store.Inactive, w.get(w.editor).Status)
	require.Equal(t, "editor", w.get(w.viewer).Role)
}

func testNoAliasing(t *testing.T, f Factory) {
	w := newWorld(t, f)
	prof, _ := store.NewProfile(map[string]string{"phone": "1"})
	_, err := member.UpdateProfile(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID, "V", prof)
	require.NoError(t, err)
	_, err = member.SetScopes(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID, access.MustScopes("a", "b"))
	require.NoError(t, err)
	m := w.get(w.viewer)
	scopes := m.Scopes.Strings()
	scopes[0] = "zzz"
	pm := m.Profile.Map()
	pm["phone"] = "2"
	m.Role = "admin"
	evs := w.events(w.org.ID)
	evs[len(evs)-1].After.Scopes[0] = "zzz"
	again := w.get(w.viewer)
	require.Equal(t, "viewer", again.Role)
	require.Equal(t, []string{"a", "b"}, again.Scopes.Strings())
	v, _ := again.Profile.Get("phone")
	require.Equal(t, "1", v)
	require.Equal(t, []string{"a", "b"}, w.events(w.org.ID)[len(evs)-1].After.Scopes)
}

func testCancelled(t *testing.T, f Factory) {
	w := newWorld(t, f)
	before := w.state(w.org.ID)
	ctx, cancel := context.WithCancel(w.ctx)
	cancel()
	_, err := member.ChangeRole(ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID, "editor")
	require.ErrorIs(t, err, context.Canceled)
	// Cancelled in the middle of a unit of work.
	ctx, cancel = context.WithCancel(w.ctx)
	err = w.s.Update(ctx, w.org.ID, func(tx storeTx) error {
		if _, err := member.ChangeRoleTx(ctx, tx, w.owner.ID, w.viewer.ID, "editor"); err != nil {
			return err
		}
		cancel()
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, before, w.state(w.org.ID))
}

func testPanic(t *testing.T, f Factory) {
	w := newWorld(t, f)
	before := w.state(w.org.ID)
	func() {
		defer func() {
			require.Equal(t, "host bug", recover(), "the panic goes on to the caller")
		}()
		_ = w.s.Update(w.ctx, w.org.ID, func(tx storeTx) error {
			if _, err := member.AddMemberTx(w.ctx, tx, w.owner.ID, member.NewMember{NewUser: w.user(), Role: "viewer"}); err != nil {
				return err
			}
			if _, err := member.DeactivateTx(w.ctx, tx, w.owner.ID, w.editor.ID); err != nil {
				return err
			}
			panic("host bug")
		})
	}()
	require.Equal(t, before, w.state(w.org.ID), "a panicking unit of work leaves nothing behind")
	// And the organisation is not left locked.
	_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID, "editor")
	require.NoError(t, err)
}
