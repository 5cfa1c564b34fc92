package storetest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// policyV2 is the suite's policy after a change: "products.delete" and the
// role "manager" dropped, "products.edit" renamed "products.write" and the
// role "editor" renamed "author", each with its old name as an alias.
func policyV2(t *testing.T) *access.Policy {
	t.Helper()
	data, err := json.Marshal(fixture.Policy())
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, json.Unmarshal(data, &v))
	rename := func(n any) any {
		switch n {
		case "products.edit":
			return "products.write"
		}
		return n
	}
	var perms []any
	for _, p := range v["permissions"].([]any) {
		switch p {
		case "products.delete":
		case "products.edit":
			perms = append(perms, map[string]any{"name": "products.write", "aliases": []string{"products.edit"}})
		default:
			perms = append(perms, p)
		}
	}
	v["permissions"] = perms
	var roles []any
	for _, r := range v["roles"].([]any) {
		r := r.(map[string]any)
		if r["name"] == "manager" {
			continue
		}
		if r["name"] == "editor" {
			r["name"], r["aliases"] = "author", []string{"editor"}
		}
		if ps, ok := r["permissions"].([]any); ok {
			var keep []any
			for _, p := range ps {
				if p != "products.delete" {
					keep = append(keep, rename(p))
				}
			}
			r["permissions"] = keep
		}
		roles = append(roles, r)
	}
	v["roles"] = roles
	delete(v, "demote_owner_to")
	data, err = json.Marshal(v)
	require.NoError(t, err)
	p, err := access.ParsePolicy(data)
	require.NoError(t, err)
	return p
}

// reopen opens s's data again with env's clock and randomness under p.
func reopen(t *testing.T, s store.Store, p *access.Policy) store.Store {
	t.Helper()
	r, ok := s.(store.Reopener)
	if !ok {
		t.Skipf("%T cannot open its data under another policy (store.Reopener)", s)
	}
	env := *s.Env()
	env.Policy = p
	n, err := r.Reopen(store.Env{Policy: p, Now: env.Now, Rand: env.Rand, LinkKey: env.LinkKey, CodeKDF: env.CodeKDF})
	require.NoError(t, err)
	if c, ok := n.(interface{ Close() error }); ok {
		t.Cleanup(func() { _ = c.Close() })
	}
	return n
}

// testPolicyUpgrade is the upgrade test of issue 17: data written under
// the suite's policy, opened under policyV2, which drops and renames
// permissions and roles. Every member loads and holds what the new policy
// still grants; the drift report lists exactly what changed; a write under
// v2 keeps the dropped names, so that v1 again loses nothing; the prune
// rewrites them, and after it nothing unknown remains.
func testPolicyUpgrade(t *testing.T, f Factory) {
	w := newWorld(t, f)
	ctx := w.ctx
	v1 := w.p
	// Under v1: the viewer also holds products.edit and products.delete
	// individually, a custom role holds products.delete, a member holds it,
	// and a pending invitation is for an editor with products.delete.
	_, err := member.SetPermissions(ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID, access.SetOf(fixture.EditProducts, fixture.DeleteProducts), access.Set{})
	require.NoError(t, err)
	_, err = member.CreateRole(ctx, w.s, w.org.ID, w.owner.ID, "qa", "QA", access.SetOf(fixture.ViewProducts, fixture.DeleteProducts))
	require.NoError(t, err)
	qa := w.add(w.owner, "qa")
	inv, _, err := invite.Send(ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: "ivy@acme.io", Role: "editor", Deny: access.SetOf(fixture.DeleteProducts)})
	require.NoError(t, err)
	seats := func(s store.Store) int {
		var n int
		require.NoError(t, s.Update(ctx, w.org.ID, func(tx store.Tx) error {
			var err error
			n, err = tx.Seats(ctx)
			return err
		}))
		return n
	}
	seatsV1 := seats(w.s)
	// API keys: the owner's and a service key naming a renamed and a
	// dropped permission, and one of each naming only the dropped one.
	keyPerms := access.SetOf(fixture.ViewProducts, fixture.EditProducts, fixture.DeleteProducts)
	kMem, kMemSecret, err := member.IssueKeyWith(ctx, w.s, w.org.ID, w.owner.ID, w.owner.ID, member.KeySpec{Name: "ci", Perms: keyPerms})
	require.NoError(t, err)
	kSvc, kSvcSecret, err := member.IssueServiceKey(ctx, w.s, w.org.ID, w.owner.ID, member.KeySpec{Name: "sync", Perms: keyPerms})
	require.NoError(t, err)
	kDrop, _, err := member.IssueKeyWith(ctx, w.s, w.org.ID, w.owner.ID, w.owner.ID, member.KeySpec{Name: "purge", Perms: access.SetOf(fixture.DeleteProducts)})
	require.NoError(t, err)
	kSvcDrop, kSvcDropSecret, err := member.IssueServiceKey(ctx, w.s, w.org.ID, w.owner.ID, member.KeySpec{Name: "purger", Perms: access.SetOf(fixture.DeleteProducts)})
	require.NoError(t, err)

	v2 := policyV2(t)
	s2 := reopen(t, w.s, v2)
	write, _ := v2.Permission("products.write")
	view, _ := v2.Permission("products.view")

	// Every member loads, in one list.
	ms, _, err := s2.Members(ctx, w.org.ID, store.Filter{}, store.Page{})
	require.NoError(t, err)
	require.Len(t, ms, 6)
	get := func(id store.ID) store.Member {
		m, err := s2.Member(ctx, w.org.ID, id)
		require.NoError(t, err)
		return m
	}
	vic := get(w.viewer.ID)
	require.True(t, vic.Can(write), "an alias grants the permission it names")
	require.True(t, vic.Can(view))
	require.Equal(t, access.SetOf(write), vic.Allow)
	ed := get(w.editor.ID)
	require.Equal(t, "author", ed.Role, "a renamed role loads under its current name")
	require.True(t, ed.Can(write))
	// A filter by the current name finds the members stored under the
	// alias, on every store; the alias itself names no role now.
	authors, _, err := s2.Members(ctx, w.org.ID, store.Filter{Role: "author"}, store.Page{})
	require.NoError(t, err)
	require.Equal(t, []store.ID{w.editor.ID}, memberIDs(authors), "the members of a renamed role, by its current name")
	byAlias, _, err := s2.Members(ctx, w.org.ID, store.Filter{Role: "editor"}, store.Page{})
	require.NoError(t, err)
	require.Empty(t, byAlias, "the members of a renamed role, by its former name")
	man := get(w.manager.ID)
	require.Equal(t, "manager", man.Role)
	for perm := range v2.All().All() {
		require.False(t, man.Can(perm), "a dropped role grants nothing: %s", v2.Name(perm))
	}
	byUser, err := s2.MemberByUser(ctx, w.org.ID, man.UserID)
	require.NoError(t, err)
	require.Equal(t, man.ID, byUser.ID)
	q := get(qa.ID)
	require.True(t, q.Can(view))
	require.Equal(t, seatsV1, seats(s2), "a member of a dropped role keeps its seat")
	owner := get(w.owner.ID)
	require.True(t, owner.IsOwner())

	// The keys load: the alias grants through them, the dropped name
	// nothing, and a key of dropped names only holds nothing (it does not
	// become a key that limits nothing), also once rotated under v2.
	keyHolds := func(s store.Store, secret string) access.Set {
		t.Helper()
		m, _, err := member.Authenticate(ctx, s, secret)
		require.NoError(t, err)
		return m.Grant().Held()
	}
	require.Equal(t, access.SetOf(write, view), keyHolds(s2, kMemSecret), "the owner's key under v2")
	require.Equal(t, access.SetOf(write, view), keyHolds(s2, kSvcSecret), "the service key under v2")
	k, err := s2.KeyByHash(ctx, kMem.Hash)
	require.NoError(t, err)
	require.Equal(t, access.SetOf(write, view), k.Perms)
	require.True(t, k.Limits())
	k, err = s2.KeyByHash(ctx, kDrop.Hash)
	require.NoError(t, err)
	require.True(t, k.Perms.IsEmpty())
	require.True(t, k.Limits(), "a key whose names were all dropped still limits")
	require.True(t, keyHolds(s2, kSvcDropSecret).IsEmpty(), "a service key of dropped names holds nothing")
	kDrop, kDropSecret, err := member.RotateKey(ctx, s2, w.org.ID, w.owner.ID, kDrop.ID, 0)
	require.NoError(t, err)
	require.True(t, keyHolds(s2, kDropSecret).IsEmpty(), "a key of dropped names only holds nothing, rotated too")
	k, err = s2.KeyByHash(ctx, kDrop.Hash)
	require.NoError(t, err)
	require.Equal(t, []store.StaleName{{Field: store.FieldPerms, Name: "products.delete"}}, k.Stale, "the rotation keeps the stored names")

	// The drift report, exactly.
	want := []store.Drift{
		{Kind: "member", ID: w.manager.ID, Field: store.FieldRole, Name: "manager"},
		{Kind: "member", ID: w.editor.ID, Field: store.FieldRole, Name: "editor", Current: "author"},
		{Kind: "member", ID: w.viewer.ID, Field: store.FieldAllow, Name: "products.edit", Current: "products.write"},
		{Kind: "member", ID: w.viewer.ID, Field: store.FieldAllow, Name: "products.delete"},
		{Kind: "invitation", ID: inv.ID, Field: store.FieldRole, Name: "editor", Current: "author"},
		{Kind: "invitation", ID: inv.ID, Field: store.FieldDeny, Name: "products.delete"},
		{Kind: "role", Role: "qa", Field: store.FieldPerms, Name: "products.delete"},
		{Kind: "key", ID: kMem.ID, Field: store.FieldPerms, Name: "products.edit", Current: "products.write"},
		{Kind: "key", ID: kMem.ID, Field: store.FieldPerms, Name: "products.delete"},
		{Kind: "key", ID: kSvc.ID, Field: store.FieldPerms, Name: "products.edit", Current: "products.write"},
		{Kind: "key", ID: kSvc.ID, Field: store.FieldPerms, Name: "products.delete"},
		{Kind: "key", ID: kDrop.ID, Field: store.FieldPerms, Name: "products.delete"},
		{Kind: "key", ID: kSvcDrop.ID, Field: store.FieldPerms, Name: "products.delete"},
	}
	sortDrift := func(ds []store.Drift) []store.Drift {
		ds = slices.Clone(ds)
		slices.SortFunc(ds, func(a, b store.Drift) int {
			return cmpStrings(a.Kind+a.ID.String()+a.Role+a.Field+a.Name, b.Kind+b.ID.String()+b.Role+b.Field+b.Name)
		})
		return ds
	}
	drift, err := member.Drift(ctx, s2, w.org.ID)
	require.NoError(t, err)
	require.Equal(t, sortDrift(want), sortDrift(drift))

	// A record's Stale is its own copy.
	mine := get(w.viewer.ID)
	require.NotEmpty(t, mine.Stale)
	mine.Stale[0].Name = "zzz"
	require.NotEqual(t, "zzz", get(w.viewer.ID).Stale[0].Name, "Stale aliases the store's record")
	mk, err := s2.KeyByHash(ctx, kMem.Hash)
	require.NoError(t, err)
	require.NotEmpty(t, mk.Stale)
	mk.Stale[0].Name = "zzz"
	mk, err = s2.KeyByHash(ctx, kMem.Hash)
	require.NoError(t, err)
	require.NotEqual(t, "zzz", mk.Stale[0].Name, "a key's Stale aliases the store's record")

	// A write under v2 keeps what v2 does not know: back under v1, the
	// viewer holds what it held.
	_, err = member.SetScopes(ctx, s2, w.org.ID, w.owner.ID, w.viewer.ID, access.MustScopes("site:a"))
	require.NoError(t, err)
	_, err = member.SetScopes(ctx, s2, w.org.ID, w.owner.ID, w.viewer.ID, access.Scopes{})
	require.NoError(t, err)
	back := reopen(t, s2, v1)
	m, err := back.Member(ctx, w.org.ID, w.viewer.ID)
	require.NoError(t, err)
	require.Equal(t, access.SetOf(fixture.EditProducts, fixture.DeleteProducts), m.Allow, "a rollback lost nothing")
	require.Empty(t, m.Stale)
	for _, k := range []store.Key{kMem, kSvc} {
		k, err := back.KeyByHash(ctx, k.Hash)
		require.NoError(t, err)
		require.Equal(t, keyPerms, k.Perms, "a rollback lost nothing of key %s", k.Name)
	}
	require.Equal(t, access.SetOf(fixture.DeleteProducts), keyHolds(back, kDropSecret), "back under v1, the rotated key holds what it was issued")
	s2 = reopen(t, back, v2)

	// The prune: aliases to current names, dropped names away, the dropped
	// role to the fallback; one event; idempotent.
	_, err = member.PruneDrift(member.AsSystem(ctx, "deploy"), s2, w.org.ID, "admin")
	require.NoError(t, err)
	_, err = member.PruneDrift(ctx, s2, w.org.ID, "owner")
	require.ErrorIs(t, err, store.ErrInvalid, "the owner's role is no fallback")
	n, err := member.PruneDrift(ctx, s2, w.org.ID, "")
	require.NoError(t, err)
	require.Equal(t, 0, n, "nothing left to prune")
	drift, err = member.Drift(ctx, s2, w.org.ID)
	require.NoError(t, err)
	require.Empty(t, drift, "after the prune nothing unknown remains")
	evs, err := s2.Events(ctx, w.org.ID, 0, 1000)
	require.NoError(t, err)
	pruned := 0
	for _, e := range evs {
		if e.Type == store.DriftPruned {
			pruned++
			require.Equal(t, store.Party{System: "deploy"}, e.Actor, "the prune names the system principal that ran it")
		}
	}
	require.Equal(t, 1, pruned)
	revoked := map[store.ID]bool{}
	for _, e := range evs {
		if e.Type == store.KeyRevoked && e.Actor == (store.Party{System: "deploy"}) {
			revoked[e.Object] = true
		}
	}
	require.Equal(t, map[store.ID]bool{kDrop.ID: true, kSvcDrop.ID: true}, revoked, "the prune revokes the keys left with no permission")
	for _, secret := range []string{kDropSecret, kSvcDropSecret} {
		_, _, err := member.Authenticate(ctx, s2, secret)
		require.ErrorIs(t, err, store.ErrNotFound, "a key of dropped names only is revoked, not widened")
	}
	for _, k := range []store.Key{kMem, kSvc} {
		got, err := s2.KeyByHash(ctx, k.Hash)
		require.NoError(t, err)
		require.Equal(t, k.ID, got.ID, "a pruned key keeps its ID")
		require.Equal(t, access.SetOf(write, view), got.Perms)
		require.Empty(t, got.Stale)
		require.Equal(t, k.Expires, got.Expires)
	}
	require.Equal(t, access.SetOf(write, view), keyHolds(s2, kMemSecret), "the owner's key after the prune")
	require.Equal(t, access.SetOf(write, view), keyHolds(s2, kSvcSecret), "the service key after the prune")
	man = get2(t, s2, w.org.ID, w.manager.ID)
	require.Equal(t, "admin", man.Role)
	ed = get2(t, s2, w.org.ID, w.editor.ID)
	require.Equal(t, "author", ed.Role)
	require.Empty(t, ed.Stale)
	// Stored under current names: v2 without its aliases reads the same.
	spec := v2.Spec()
	for i := range spec.Permissions {
		spec.Permissions[i].Aliases = nil
	}
	for i := range spec.Roles {
		spec.Roles[i].Aliases = nil
	}
	bare, err := access.NewPolicy(spec)
	require.NoError(t, err)
	s3 := reopen(t, s2, bare)
	drift, err = member.Drift(ctx, s3, w.org.ID)
	require.NoError(t, err)
	require.Empty(t, drift)
	vic = get2(t, s3, w.org.ID, w.viewer.ID)
	require.Equal(t, access.SetOf(write), vic.Allow)
	i, err := s3.Invitation(ctx, w.org.ID, inv.ID)
	require.NoError(t, err)
	require.Equal(t, "author", i.Role)
	require.Empty(t, i.Deny)
	require.Equal(t, access.SetOf(write, view), keyHolds(s3, kMemSecret), "the key is stored under current names")
	require.Equal(t, access.SetOf(write, view), keyHolds(s3, kSvcSecret))
}

func get2(t *testing.T, s store.Store, org, id store.ID) store.Member {
	t.Helper()
	m, err := s.Member(context.Background(), org, id)
	require.NoError(t, err)
	return m
}

func cmpStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// testStaleInvitations: invitations sent under v1, accepted under v2. One
// for a renamed role makes a member of the role's new name, with what the
// policy knows now (a dropped permission is not carried); one for a
// dropped role is refused as an unknown role, and changes nothing. A
// member of a dropped role can be given a role of the policy.
func testStaleInvitations(t *testing.T, f Factory) {
	w := newWorld(t, f)
	ctx := w.ctx
	_, edTok, err := invite.Send(ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: "ed@acme.io", Role: "editor", Allow: access.SetOf(fixture.ReadAudit), Deny: access.SetOf(fixture.DeleteProducts)})
	require.NoError(t, err)
	_, manTok, err := invite.Send(ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: "man@acme.io", Role: "manager"})
	require.NoError(t, err)
	v2 := policyV2(t)
	s2 := reopen(t, w.s, v2)
	acc, err := invite.Accept(ctx, s2, edTok, member.NewUser{UserID: "ed", Email: "ed@acme.io"})
	require.NoError(t, err)
	ed := acc.Member
	require.Equal(t, "author", ed.Role)
	audit, _ := v2.Permission("audit.read")
	require.Equal(t, access.SetOf(audit), ed.Allow)
	require.Empty(t, ed.Deny, "a dropped permission is not carried to the new member")
	ed = get2(t, s2, w.org.ID, ed.ID)
	require.Empty(t, ed.Stale)
	write, _ := v2.Permission("products.write")
	require.True(t, ed.Can(write))

	before, _, err := s2.Members(ctx, w.org.ID, store.Filter{}, store.Page{})
	require.NoError(t, err)
	_, err = invite.Accept(ctx, s2, manTok, member.NewUser{UserID: "man", Email: "man@acme.io"})
	require.ErrorIs(t, err, store.ErrInvalid)
	require.ErrorIs(t, err, access.ErrUnknownRole)
	after, _, err := s2.Members(ctx, w.org.ID, store.Filter{}, store.Page{})
	require.NoError(t, err)
	require.Len(t, after, len(before))

	// The manager of v1 holds nothing under v2, can be deactivated and
	// reactivated, and made a viewer.
	man := get2(t, s2, w.org.ID, w.manager.ID)
	require.Equal(t, "manager", man.Role)
	require.True(t, man.Grant().Held().IsEmpty())
	_, err = member.Deactivate(ctx, s2, w.org.ID, w.owner.ID, w.manager.ID)
	require.NoError(t, err)
	_, err = member.Reactivate(ctx, s2, w.org.ID, w.owner.ID, w.manager.ID)
	require.NoError(t, err)
	man, err = member.ChangeRole(ctx, s2, w.org.ID, w.owner.ID, w.manager.ID, "viewer")
	require.NoError(t, err)
	view, _ := v2.Permission("products.view")
	require.True(t, man.Can(view))
	require.Equal(t, "viewer", get2(t, s2, w.org.ID, w.manager.ID).Role)
}

// memberIDs are the IDs of ms, in order.
func memberIDs(ms []store.Member) []store.ID {
	ids := make([]store.ID, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}
