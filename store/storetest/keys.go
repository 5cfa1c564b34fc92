package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

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
	require.True(t, m.Can(fixture.EditProducts))
	require.False(t, m.Can(fixture.ManageKeys))
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
	keys, _, err := w.s.Keys(w.ctx, w.org.ID, w.editor.ID, store.Page{})
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
	_, err = member.SetPermissions(w.ctx, w.s, w.org.ID, w.owner.ID, w.editor.ID, access.SetOf(fixture.ManageKeys), access.Set{})
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrEscalation, func() error { return member.RevokeKey(w.ctx, w.s, w.org.ID, w.editor.ID, k2.ID) })
	w.changes(w.org.ID, store.KeyRevoked, func() error { return member.RevokeKey(w.ctx, w.s, w.org.ID, w.owner.ID, k2.ID) })
}

func testInactiveKeysValid(t *testing.T, f Factory) {
	spec := fixture.Policy().Spec()
	spec.InactiveKeysValid = true
	clock := fixture.NewClock()
	env := fixture.NewEnv(clock, 7)
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
	require.False(t, off.Can(fixture.EditProducts), "the member's own session is blocked")
	viaKey, _, err := member.Authenticate(ctx, s, secret)
	require.NoError(t, err, "seed 000: keys of inactive collaborators keep working")
	require.True(t, viaKey.Can(fixture.EditProducts))
	require.NoError(t, member.Remove(ctx, s, o.ID, owner.ID, m.ID))
	_, _, err = member.Authenticate(ctx, s, secret)
	require.ErrorIs(t, err, store.ErrNotFound, "deleting revokes the keys")
}
