package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

func testRequests(t *testing.T, f Factory) {
	w := newWorld(t, f)
	agent := member.NewUser{UserID: "agent-1", Email: "agent@pixelunion.net", Name: "Agent"}
	asked := access.SetOf(fixture.ViewProducts, fixture.EditProducts, fixture.DeleteProducts)
	var r store.Request
	e := w.changes(w.org.ID, store.RequestCreated, func() error {
		var err error
		r, err = invite.RequestAccess(w.ctx, w.s, w.org.ID, agent, asked, "Ticket #42: theme broken", "")
		return err
	})
	require.Equal(t, "agent-1", e.Actor.UserID)
	require.Equal(t, store.Asked, r.Status)
	w.refuse(w.org.ID, invite.ErrAlreadyRequested, func() error {
		_, err := invite.RequestAccess(w.ctx, w.s, w.org.ID, agent, asked, "again", "")
		return err
	})
	w.refuse(w.org.ID, store.ErrAlreadyMember, func() error {
		_, err := invite.RequestAccess(w.ctx, w.s, w.org.ID, member.NewUser{UserID: w.viewer.UserID, Email: w.viewer.Email}, asked, "", "")
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := invite.RequestAccess(w.ctx, w.s, w.org.ID, w.user(), access.Set{}, "", "")
		return err
	})
	listed, _, err := w.s.Requests(w.ctx, w.org.ID, store.Asked, store.Page{})
	require.NoError(t, err)
	require.Len(t, listed, 1)

	// Review: narrow, then accept. Only approvers; never wider than asked.
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, err := invite.Approve(w.ctx, w.s, w.org.ID, w.manager.ID, r.ID, asked)
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := invite.Approve(w.ctx, w.s, w.org.ID, w.admin.ID, r.ID, asked.With(fixture.ReadAudit))
		return err
	})
	var collab store.Member
	w.changes(w.org.ID, store.RequestApproved, func() error {
		collab, err = invite.Approve(w.ctx, w.s, w.org.ID, w.admin.ID, r.ID, access.SetOf(fixture.ViewProducts, fixture.EditProducts))
		return err
	})
	require.Equal(t, store.External, collab.Kind)
	require.True(t, collab.Can(fixture.EditProducts))
	require.False(t, collab.Can(fixture.DeleteProducts), "narrowed before accepting")
	got, err := w.s.MemberByUser(w.ctx, w.org.ID, "agent-1")
	require.NoError(t, err)
	require.True(t, got.Can(fixture.ViewProducts))
	seats, _, err := w.s.Members(w.ctx, w.org.ID, store.Filter{Kind: store.Staff}, store.Page{})
	require.NoError(t, err)
	require.Len(t, seats, 5, "a collaborator takes no staff seat")
	w.refuse(w.org.ID, invite.ErrAlreadyUsed, func() error {
		_, err := invite.Approve(w.ctx, w.s, w.org.ID, w.admin.ID, r.ID, asked)
		return err
	})

	// Ask for more: the same review, on top of what it holds.
	more, err := invite.RequestAccess(w.ctx, w.s, w.org.ID, agent, access.SetOf(fixture.DeleteProducts, fixture.ReadAudit), "need delete", "")
	require.NoError(t, err)
	require.Equal(t, collab.ID, more.Member)
	collab, err = invite.Approve(w.ctx, w.s, w.org.ID, w.owner.ID, more.ID, access.SetOf(fixture.DeleteProducts))
	require.NoError(t, err)
	require.True(t, collab.Can(fixture.DeleteProducts))
	require.True(t, collab.Can(fixture.EditProducts))
	require.False(t, collab.Can(fixture.ReadAudit))

	// Adjust later, and remove at any time.
	collab, err = member.SetPermissions(w.ctx, w.s, w.org.ID, w.owner.ID, collab.ID, access.SetOf(fixture.ViewProducts), access.Set{})
	require.NoError(t, err)
	require.False(t, collab.Can(fixture.EditProducts))
	require.NoError(t, member.Remove(w.ctx, w.s, w.org.ID, w.owner.ID, collab.ID))
	_, err = w.s.MemberByUser(w.ctx, w.org.ID, "agent-1")
	require.ErrorIs(t, err, store.ErrNotFound)

	// Refuse and withdraw.
	r2, err := invite.RequestAccess(w.ctx, w.s, w.org.ID, agent, asked, "", "")
	require.NoError(t, err)
	w.changes(w.org.ID, store.RequestRefused, func() error { return invite.Refuse(w.ctx, w.s, w.org.ID, w.admin.ID, r2.ID) })
	w.refuse(w.org.ID, invite.ErrDeclined, func() error { return invite.Refuse(w.ctx, w.s, w.org.ID, w.admin.ID, r2.ID) })
	r3, err := invite.RequestAccess(w.ctx, w.s, w.org.ID, agent, asked, "", "")
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrForbidden, func() error { return invite.Withdraw(w.ctx, w.s, w.org.ID, "someone", r3.ID) })
	w.changes(w.org.ID, store.RequestWithdrawn, func() error { return invite.Withdraw(w.ctx, w.s, w.org.ID, "agent-1", r3.ID) })
	w.refuse(w.org.ID, invite.ErrCancelled, func() error {
		_, err := invite.Approve(w.ctx, w.s, w.org.ID, w.admin.ID, r3.ID, asked)
		return err
	})
}

func testAccessCode(t *testing.T, f Factory) {
	w := newWorld(t, f)
	w.refuse(w.org.ID, member.ErrForbidden, func() error { return invite.SetCode(w.ctx, w.s, w.org.ID, w.manager.ID, "4821") })
	w.refuse(w.org.ID, store.ErrInvalid, func() error { return invite.SetCode(w.ctx, w.s, w.org.ID, w.owner.ID, "12a4") })
	w.refuse(w.org.ID, store.ErrInvalid, func() error { return invite.SetCode(w.ctx, w.s, w.org.ID, w.owner.ID, "123") })
	e := w.changes(w.org.ID, store.CodeSet, func() error { return invite.SetCode(w.ctx, w.s, w.org.ID, w.owner.ID, "4821") })
	require.NotContains(t, strings.Join([]string{e.After.Name, e.Before.Name}, ""), "4821")
	agent := member.NewUser{UserID: "agent", Email: "agent@x.io"}
	asked := access.SetOf(fixture.ViewProducts)
	req := func(code string) error {
		_, err := invite.RequestAccess(w.ctx, w.s, w.org.ID, agent, asked, "", code)
		return err
	}
	w.refuse(w.org.ID, invite.ErrCodeRequired, func() error { return req("") })
	// Wrong codes are counted, though nothing else changes and no event is written.
	n := len(w.events(w.org.ID))
	for range invite.MaxCodeFailures - 1 {
		require.ErrorIs(t, req("0000"), invite.ErrWrongCode)
	}
	require.NoError(t, req("4821"), "a right code before the limit resets the count")
	r, _, err := w.s.Requests(w.ctx, w.org.ID, store.Asked, store.Page{})
	require.NoError(t, err)
	require.NoError(t, invite.Withdraw(w.ctx, w.s, w.org.ID, "agent", r[0].ID))
	require.Len(t, w.events(w.org.ID), n+2)
	for range invite.MaxCodeFailures {
		require.ErrorIs(t, req("1111"), invite.ErrWrongCode)
	}
	require.ErrorIs(t, req("4821"), invite.ErrLocked, "locked after five wrong codes, even for the right one")
	w.clock.Advance(invite.CodeLockout - time.Second)
	require.ErrorIs(t, req("4821"), invite.ErrLocked)
	w.clock.Advance(time.Second)
	require.NoError(t, req("4821"), "the lock ends")
	require.Len(t, w.events(w.org.ID), n+3)
	// Clearing the code.
	w.changes(w.org.ID, store.CodeCleared, func() error { return invite.SetCode(w.ctx, w.s, w.org.ID, w.owner.ID, "") })
	_, err = invite.RequestAccess(w.ctx, w.s, w.org.ID, w.user(), asked, "", "")
	require.NoError(t, err)
}
