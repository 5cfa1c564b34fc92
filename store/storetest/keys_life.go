package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// The conformance tests of API keys that integrations can live with (#18):
// expiry, a permission subset that narrows with the holder, rotation with
// an overlap, the organisation's service keys, paged lists, and the
// coalesced last-used time.

func testKeyExpiry(t *testing.T, f Factory) {
	w := newWorld(t, f)
	now := w.clock.Now().UTC().Truncate(time.Microsecond)
	k, secret, err := member.IssueKeyWith(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, member.KeySpec{Name: "ci", TTL: time.Hour})
	require.NoError(t, err)
	require.Equal(t, now.Add(time.Hour), k.Expires)
	d, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, "default")
	require.NoError(t, err)
	require.Equal(t, now.Add(member.DefaultKeyTTL), d.Expires, "every key expires, by default after DefaultKeyTTL")
	keys, _, err := w.s.Keys(w.ctx, w.org.ID, w.editor.ID, store.Page{})
	require.NoError(t, err)
	require.Equal(t, []store.Key{k, d}, keys, "the expiry is stored")

	for _, ttl := range []time.Duration{-time.Second, member.MaxKeyTTL + time.Microsecond} {
		w.refuse(w.org.ID, store.ErrInvalid, func() error {
			_, _, err := member.IssueKeyWith(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, member.KeySpec{Name: "x", TTL: ttl})
			return err
		})
	}
	_, _, err = member.IssueKeyWith(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, member.KeySpec{Name: "max", TTL: member.MaxKeyTTL})
	require.NoError(t, err)

	w.clock.Advance(time.Hour - time.Microsecond)
	_, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.NoError(t, err, "a key works until its expiry")
	w.clock.Advance(time.Microsecond)
	_, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.ErrorIs(t, err, member.ErrKeyExpired, "and stops at it")
	w.refuse(w.org.ID, member.ErrKeyExpired, func() error {
		_, _, err := member.RotateKey(w.ctx, w.s, w.org.ID, w.editor.ID, k.ID, time.Minute)
		return err
	})
	// An expired key is still listed, and revoked as any other.
	w.changes(w.org.ID, store.KeyRevoked, func() error { return member.RevokeKey(w.ctx, w.s, w.org.ID, w.editor.ID, k.ID) })
	_, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testKeySubset(t *testing.T, f Factory) {
	w := newWorld(t, f)
	// The manager's key carries products and invitations, not billing.
	limited := access.SetOf(fixture.ViewProducts, fixture.EditProducts, fixture.InviteMembers)
	var k store.Key
	var secret string
	e := w.changes(w.org.ID, store.KeyIssued, func() error {
		var err error
		k, secret, err = member.IssueKeyWith(w.ctx, w.s, w.org.ID, w.admin.ID, w.manager.ID, member.KeySpec{Name: "bot", Perms: limited})
		return err
	})
	require.Equal(t, limited, k.Perms)
	require.Equal(t, []string{"products.view", "products.edit", "members.invite"}, e.After.Permissions)
	keys, _, err := w.s.Keys(w.ctx, w.org.ID, w.manager.ID, store.Page{})
	require.NoError(t, err)
	require.Equal(t, []store.Key{k}, keys, "the subset is stored")

	m, _, err := member.Authenticate(w.ctx, w.s, secret)
	require.NoError(t, err)
	require.True(t, m.Can(fixture.EditProducts))
	require.True(t, m.Can(fixture.InviteMembers))
	require.False(t, m.Can(fixture.RemoveMembers), "the manager holds it, the key does not")
	require.False(t, m.CanDo(access.Remove))
	require.Equal(t, access.Withdrawn, m.Explain(fixture.RemoveMembers).Reason)
	require.Contains(t, m.Explain(fixture.RemoveMembers).String(), "not among the key's permissions")
	require.Equal(t, limited, m.Grant().Held())

	// Demoted, the member's key loses what the member lost, with no
	// write to the key; promoted again, it gets it back, up to its subset.
	_, err = member.ChangeRole(w.ctx, w.s, w.org.ID, w.admin.ID, w.manager.ID, "viewer")
	require.NoError(t, err)
	m, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.NoError(t, err)
	require.True(t, m.Can(fixture.ViewProducts))
	require.False(t, m.Can(fixture.EditProducts), "a demoted member's key loses what the member lost")
	require.False(t, m.Can(fixture.InviteMembers))
	require.Equal(t, access.SetOf(fixture.ViewProducts), m.Grant().Held())
	_, err = member.ChangeRole(w.ctx, w.s, w.org.ID, w.admin.ID, w.manager.ID, "admin")
	require.NoError(t, err)
	m, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.NoError(t, err)
	require.Equal(t, limited, m.Grant().Held(), "never more than its subset")

	// A custom role narrows the key when the role is edited.
	_, err = member.CreateRole(w.ctx, w.s, w.org.ID, w.owner.ID, "ops", "Ops", access.SetOf(fixture.ViewProducts, fixture.EditProducts))
	require.NoError(t, err)
	_, err = member.ChangeRole(w.ctx, w.s, w.org.ID, w.owner.ID, w.manager.ID, "ops")
	require.NoError(t, err)
	_, err = member.UpdateRole(w.ctx, w.s, w.org.ID, w.owner.ID, "ops", "Ops", access.SetOf(fixture.ViewProducts))
	require.NoError(t, err)
	m, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.NoError(t, err)
	require.Equal(t, access.SetOf(fixture.ViewProducts), m.Grant().Held())

	// No key with more than its issuer holds.
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, _, err := member.IssueKeyWith(w.ctx, w.s, w.org.ID, w.admin.ID, w.admin.ID,
			member.KeySpec{Name: "billing", Perms: access.SetOf(fixture.ViewProducts, fixture.ManageBilling)})
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, _, err := member.IssueKeyWith(w.ctx, w.s, w.org.ID, w.admin.ID, w.admin.ID,
			member.KeySpec{Name: "unknown", Perms: access.SetOf(access.Permission(fixture.NumPerms + 3))})
		return err
	})

	// The owner's limited key is not the owner: it holds its subset, and
	// no action the owner alone may take.
	_, osecret, err := member.IssueKeyWith(w.ctx, w.s, w.org.ID, w.owner.ID, w.owner.ID,
		member.KeySpec{Name: "owner's", Perms: access.SetOf(fixture.ManageBilling)})
	require.NoError(t, err)
	om, _, err := member.Authenticate(w.ctx, w.s, osecret)
	require.NoError(t, err)
	require.False(t, om.IsOwner())
	require.True(t, om.Can(fixture.ManageBilling))
	require.False(t, om.Can(fixture.ViewProducts))
	require.False(t, om.CanDo(access.Invite))
	_, fsecret, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.owner.ID, w.owner.ID, "owner's, whole")
	require.NoError(t, err)
	om, _, err = member.Authenticate(w.ctx, w.s, fsecret)
	require.NoError(t, err)
	require.True(t, om.IsOwner(), "a key without a subset holds what its member holds")
}

func testKeyRotation(t *testing.T, f Factory) {
	w := newWorld(t, f)
	old, oldSecret, err := member.IssueKeyWith(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID,
		member.KeySpec{Name: "deploy", Perms: access.SetOf(fixture.ViewProducts), TTL: 48 * time.Hour})
	require.NoError(t, err)
	w.clock.Advance(time.Hour)
	now := w.clock.Now().UTC().Truncate(time.Microsecond)

	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, _, err := member.RotateKey(w.ctx, w.s, w.org.ID, w.editor.ID, old.ID, member.MaxKeyOverlap+time.Second)
		return err
	})
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, _, err := member.RotateKey(w.ctx, w.s, w.org.ID, w.manager.ID, old.ID, time.Hour)
		return err
	})
	var k store.Key
	var secret string
	e := w.changes(w.org.ID, store.KeyRotated, func() error {
		var err error
		k, secret, err = member.RotateKey(w.ctx, w.s, w.org.ID, w.editor.ID, old.ID, 30*time.Minute)
		return err
	})
	require.Equal(t, k.ID, e.Object)
	require.Equal(t, old.ID, e.After.Replaces)
	require.Equal(t, now.Add(30*time.Minute), e.After.Expires)
	require.Equal(t, w.editor.ID, e.Target.Member)
	require.NotEqual(t, old.ID, k.ID)
	require.NotEqual(t, oldSecret, secret)
	require.Equal(t, old.Name, k.Name)
	require.Equal(t, old.Perms, k.Perms)
	require.Equal(t, w.editor.ID, k.Member)
	require.Equal(t, now.Add(48*time.Hour), k.Expires, "the new key lives as long as the old was issued for")
	keys, _, err := w.s.Keys(w.ctx, w.org.ID, w.editor.ID, store.Page{})
	require.NoError(t, err)
	require.Len(t, keys, 2)
	require.Equal(t, now.Add(30*time.Minute), keys[0].Expires, "the old key's end of overlap is stored")

	for _, s := range []string{oldSecret, secret} {
		m, _, err := member.Authenticate(w.ctx, w.s, s)
		require.NoError(t, err, "both secrets work during the overlap")
		require.True(t, m.Can(fixture.ViewProducts))
	}
	w.clock.Advance(30 * time.Minute)
	_, _, err = member.Authenticate(w.ctx, w.s, oldSecret)
	require.ErrorIs(t, err, member.ErrKeyExpired, "the old secret stops at the end of the overlap")
	_, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.NoError(t, err)

	// The overlap never outlives the old key; an overlap of 0 revokes it.
	short, shortSecret, err := member.IssueKeyWith(w.ctx, w.s, w.org.ID, w.admin.ID, w.admin.ID, member.KeySpec{Name: "short", TTL: time.Minute})
	require.NoError(t, err)
	_, _, err = member.RotateKey(w.ctx, w.s, w.org.ID, w.admin.ID, short.ID, time.Hour)
	require.NoError(t, err)
	w.clock.Advance(time.Minute)
	_, _, err = member.Authenticate(w.ctx, w.s, shortSecret)
	require.ErrorIs(t, err, member.ErrKeyExpired)
	_, nextSecret, err := member.RotateKey(w.ctx, w.s, w.org.ID, w.admin.ID, k.ID, 0)
	require.NoError(t, err)
	_, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.ErrorIs(t, err, store.ErrNotFound, "an overlap of 0 revokes the old secret at once")
	_, _, err = member.Authenticate(w.ctx, w.s, nextSecret)
	require.NoError(t, err)

	// A deactivated member's key is not rotated by another.
	vk, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID, "v")
	require.NoError(t, err)
	_, err = member.Deactivate(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID)
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrInactive, func() error {
		_, _, err := member.RotateKey(w.ctx, w.s, w.org.ID, w.admin.ID, vk.ID, time.Hour)
		return err
	})
}

func testServiceKeys(t *testing.T, f Factory) {
	w := newWorld(t, f)
	perms := access.SetOf(fixture.ViewProducts, fixture.AddMembers)
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, _, err := member.IssueServiceKey(w.ctx, w.s, w.org.ID, w.manager.ID, member.KeySpec{Name: "sync", Perms: perms})
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, _, err := member.IssueServiceKey(w.ctx, w.s, w.org.ID, w.admin.ID, member.KeySpec{Name: "sync"})
		return err
	})
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, _, err := member.IssueServiceKey(w.ctx, w.s, w.org.ID, w.admin.ID, member.KeySpec{Name: "sync", Perms: perms.With(fixture.ManageBilling)})
		return err
	})
	var k store.Key
	var secret string
	e := w.changes(w.org.ID, store.KeyIssued, func() error {
		var err error
		k, secret, err = member.IssueServiceKey(w.ctx, w.s, w.org.ID, w.admin.ID, member.KeySpec{Name: "sync", Perms: perms})
		return err
	})
	require.True(t, k.Service())
	require.Equal(t, store.ID{}, k.Member)
	require.Equal(t, w.admin.ID, e.Actor.Member)
	require.Equal(t, k.ID, e.Target.Key, "the event names the key")
	require.Equal(t, "key", e.Target.Kind())

	m, key, err := member.Authenticate(w.ctx, w.s, secret)
	require.NoError(t, err)
	require.Equal(t, k.ID, key.ID)
	require.Equal(t, k.ID, m.ServiceKey())
	require.Equal(t, access.FromServiceKey, m.Grant().Source())
	require.True(t, m.Can(fixture.ViewProducts))
	require.True(t, m.CanDo(access.AddMember))
	require.False(t, m.Can(fixture.EditProducts))
	require.False(t, m.IsOwner())

	// Acting in its own name: the audit log attributes the change to the
	// key, not to a member.
	var added store.Member
	e = w.changes(w.org.ID, store.MemberAdded, func() error {
		var err error
		added, err = member.AddMember(w.ctx, w.s, w.org.ID, k.ID, member.NewMember{NewUser: w.user(), Role: "viewer"})
		return err
	})
	require.Equal(t, k.ID, e.Actor.Key)
	require.Equal(t, "key", e.Actor.Kind())
	require.Equal(t, "sync", e.Actor.Name)
	require.Equal(t, store.ID{}, e.Actor.Member)
	w.refuse(w.org.ID, member.ErrEscalation, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, k.ID, member.NewMember{NewUser: w.user(), Role: "editor"})
		return err
	})
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, k.ID, k.ID, "own")
		return err
	})
	require.Equal(t, "viewer", w.get(added).Role)

	// Listed with the organisation's service keys, a page at a time.
	k2, _, err := member.IssueServiceKey(w.ctx, w.s, w.org.ID, w.owner.ID, member.KeySpec{Name: "backup", Perms: access.SetOf(fixture.ViewProducts)})
	require.NoError(t, err)
	k3, _, err := member.IssueServiceKey(w.ctx, w.s, w.org.ID, w.owner.ID, member.KeySpec{Name: "audit", Perms: access.SetOf(fixture.ReadAudit)})
	require.NoError(t, err)
	page1, next, err := w.s.Keys(w.ctx, w.org.ID, store.ID{}, store.Page{Limit: 2})
	require.NoError(t, err)
	require.Equal(t, []store.Key{k, k2}, page1)
	page2, next, err := w.s.Keys(w.ctx, w.org.ID, store.ID{}, store.Page{After: next, Limit: 2})
	require.NoError(t, err)
	require.Equal(t, []store.Key{k3}, page2)
	require.Empty(t, next)
	mine, _, err := w.s.Keys(w.ctx, w.org.ID, w.admin.ID, store.Page{})
	require.NoError(t, err)
	require.Empty(t, mine, "a service key is no member's")
	_, _, err = w.s.Keys(w.ctx, store.ID{1}, store.ID{}, store.Page{})
	require.ErrorIs(t, err, store.ErrNotFound)

	// It survives its issuer's removal.
	require.NoError(t, member.Remove(w.ctx, w.s, w.org.ID, w.owner.ID, w.admin.ID))
	_, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.NoError(t, err, "a service key survives the removal of the member who issued it")

	// Rotated and revoked by an allowed member only.
	w.refuse(w.org.ID, member.ErrForbidden, func() error { return member.RevokeKey(w.ctx, w.s, w.org.ID, w.editor.ID, k.ID) })
	var rotated store.Key
	var rsecret string
	e = w.changes(w.org.ID, store.KeyRotated, func() error {
		var err error
		rotated, rsecret, err = member.RotateKey(w.ctx, w.s, w.org.ID, w.owner.ID, k.ID, time.Minute)
		return err
	})
	require.True(t, rotated.Service())
	require.Equal(t, perms, rotated.Perms)
	require.Equal(t, rotated.ID, e.Target.Key)
	w.changes(w.org.ID, store.KeyRevoked, func() error { return member.RevokeKey(w.ctx, w.s, w.org.ID, w.owner.ID, rotated.ID) })
	_, _, err = member.Authenticate(w.ctx, w.s, rsecret)
	require.ErrorIs(t, err, store.ErrNotFound)
	w.clock.Advance(time.Minute)
	_, _, err = member.Authenticate(w.ctx, w.s, secret)
	require.ErrorIs(t, err, member.ErrKeyExpired)
	w.refuse(w.org.ID, member.ErrKeyExpired, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, k.ID, member.NewMember{NewUser: w.user(), Role: "viewer"})
		return err
	})
}

// testKeyPages lists a member's keys a page at a time.
func testKeyPages(t *testing.T, f Factory) {
	w := newWorld(t, f)
	var want []store.Key
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		k, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, n)
		require.NoError(t, err)
		want = append(want, k)
	}
	var got []store.Key
	var next string
	for {
		ks, n, err := w.s.Keys(w.ctx, w.org.ID, w.editor.ID, store.Page{After: next, Limit: 2})
		require.NoError(t, err)
		require.LessOrEqual(t, len(ks), 2)
		got = append(got, ks...)
		if next = n; next == "" {
			break
		}
	}
	require.Equal(t, want, got)
}

// touchCounter counts the keys a store is asked to record uses of.
type touchCounter struct {
	store.Store
	w     store.KeyUsageWriter
	mu    sync.Mutex
	calls int
	keys  map[store.ID]int
}

func (c *touchCounter) TouchKeys(ctx context.Context, uses []store.KeyUse) error {
	c.mu.Lock()
	c.calls++
	for _, u := range uses {
		c.keys[u.Key]++
	}
	c.mu.Unlock()
	return c.w.TouchKeys(ctx, uses)
}

// testKeyUsage: a key's last use is recorded without a write per request,
// at most once per interval for each key, and is in the store once the
// interval has passed and a flush ran.
func testKeyUsage(t *testing.T, f Factory) {
	w := newWorld(t, f)
	_, err := member.NewKeyUsage(struct{ store.Store }{w.s}, time.Minute)
	require.ErrorIs(t, err, store.ErrInvalid, "a store without store.KeyUsageWriter")
	wr, ok := w.s.(store.KeyUsageWriter)
	if !ok {
		// The capability is optional: a store without it (memstore's
		// TestStoreWithoutFastPaths) is refused as the one above.
		_, err = member.NewKeyUsage(w.s, time.Minute)
		require.ErrorIs(t, err, store.ErrInvalid)
		return
	}
	_, err = member.NewKeyUsage(w.s, 0)
	require.ErrorIs(t, err, store.ErrInvalid)
	c := &touchCounter{Store: w.s, w: wr, keys: map[store.ID]int{}}
	u, err := member.NewKeyUsage(c, time.Minute)
	require.NoError(t, err)

	k, secret, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, "ci")
	require.NoError(t, err)
	other, otherSecret, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID, "other")
	require.NoError(t, err)
	lastUsed := func(k store.Key) time.Time {
		ks, _, err := w.s.Keys(w.ctx, w.org.ID, k.Member, store.Page{})
		require.NoError(t, err)
		for _, x := range ks {
			if x.ID == k.ID {
				return x.LastUsed
			}
		}
		t.Fatalf("key %v is gone", k.ID)
		return time.Time{}
	}
	require.True(t, lastUsed(k).IsZero())

	at := func() time.Time { return w.clock.Now().UTC().Truncate(time.Microsecond) }
	var seen time.Time
	for range 5 {
		w.clock.Advance(time.Second)
		_, _, err := u.Authenticate(w.ctx, secret)
		require.NoError(t, err)
		seen = at()
	}
	require.Equal(t, 0, c.calls, "no write per request")
	require.True(t, lastUsed(k).IsZero())
	n, err := u.Flush(w.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, seen, lastUsed(k), "flushed, the last use is in the store")

	// Within the interval, many uses write nothing; the next flush after
	// it writes the latest once.
	for range 20 {
		w.clock.Advance(2 * time.Second)
		_, _, err := u.Authenticate(w.ctx, secret)
		require.NoError(t, err)
		seen = at()
		n, err := u.Flush(w.ctx)
		require.NoError(t, err)
		require.Zero(t, n)
	}
	require.Equal(t, 1, c.keys[k.ID], "at most one write per key per interval")
	w.clock.Advance(20 * time.Second)
	_, _, err = u.Authenticate(w.ctx, otherSecret)
	require.NoError(t, err)
	n, err = u.Flush(w.ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n, "both keys in one write")
	require.Equal(t, 2, c.calls)
	require.Equal(t, 2, c.keys[k.ID])
	require.Equal(t, seen, lastUsed(k))
	require.Equal(t, at(), lastUsed(other))

	// An older use never overwrites a later one; a revoked key is skipped.
	require.NoError(t, wr.TouchKeys(w.ctx, []store.KeyUse{{Org: w.org.ID, Key: k.ID, At: seen.Add(-time.Hour)}}))
	require.Equal(t, seen, lastUsed(k))
	require.NoError(t, member.RevokeKey(w.ctx, w.s, w.org.ID, w.editor.ID, k.ID))
	require.NoError(t, wr.TouchKeys(w.ctx, []store.KeyUse{{Org: w.org.ID, Key: k.ID, At: seen.Add(time.Hour)}}))
	// A use is not a change: no event.
	for _, e := range w.events(w.org.ID) {
		require.NotEqual(t, store.EventType("key.used"), e.Type)
	}
}

// testKeysAfterRemoval: seed 000's rule for keys still holds with service
// keys beside them: a removed member's keys are revoked, the
// organisation's stay.
func testKeysAfterRemoval(t *testing.T, f Factory) {
	w := newWorld(t, f)
	_, msecret, err := member.IssueKeyWith(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, member.KeySpec{Name: "m", Perms: access.SetOf(fixture.ViewProducts)})
	require.NoError(t, err)
	_, ssecret, err := member.IssueServiceKey(w.ctx, w.s, w.org.ID, w.admin.ID, member.KeySpec{Name: "s", Perms: access.SetOf(fixture.ViewProducts)})
	require.NoError(t, err)
	_, err = member.Deactivate(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID)
	require.NoError(t, err)
	_, _, err = member.Authenticate(w.ctx, w.s, msecret)
	require.ErrorIs(t, err, member.ErrInactive, "the suite's policy does not keep an inactive member's keys valid")
	require.NoError(t, member.Remove(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID))
	_, _, err = member.Authenticate(w.ctx, w.s, msecret)
	require.ErrorIs(t, err, store.ErrNotFound, "removal revokes the member's keys")
	_, _, err = member.Authenticate(w.ctx, w.s, ssecret)
	require.NoError(t, err)
}
