package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

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
		if _, err := member.CreateRoleTx(w.ctx, tx, w.owner.ID, "temp", "", access.SetOf(fixture.ViewProducts)); err != nil {
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
	orgs, _, err := w.s.UserOrgs(w.ctx, w.manager.UserID, store.Page{})
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

type storeTx = store.Tx
