package storetest

import (
	"fmt"
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
	w.refuse(w.org.ID, store.ErrInvalid, func() error { return req("12a4") })
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
	for range invite.MaxCodeFailures - 1 {
		require.ErrorIs(t, req("0000"), invite.ErrWrongCode, "the count started again")
	}
	require.ErrorIs(t, req("1111"), invite.ErrWrongCode)
	require.ErrorIs(t, req("4821"), invite.ErrLocked, "locked after five wrong codes in a row, even for the right one")
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

// codeWorld is a world whose organisation has the access code 4821, and a
// request with code by a user.
func codeWorld(t *testing.T, f Factory) (*world, func(user, code string) error) {
	w := newWorld(t, f)
	require.NoError(t, invite.SetCode(w.ctx, w.s, w.org.ID, w.owner.ID, "4821"))
	return w, func(user, code string) error {
		_, err := invite.RequestAccess(w.ctx, w.s, w.org.ID, member.NewUser{UserID: user, Email: user + "@x.io"},
			access.SetOf(fixture.ViewProducts), "", code)
		return err
	}
}

// One requester's misses never lock out another: strangers who give wrong
// codes, even enough to be locked out themselves, leave the rightful
// requester free to give the right code (issue #14: five wrong codes from
// anyone locked the whole organisation for 15 minutes).
func testCodeLockIsPerRequester(t *testing.T, f Factory) {
	w, req := codeWorld(t, f)
	for i := range invite.MaxCodeFailures {
		require.ErrorIs(t, req(fmt.Sprintf("stranger-%d", i), "0000"), invite.ErrWrongCode)
	}
	for range invite.MaxCodeFailures {
		require.ErrorIs(t, req("mallory", "0000"), invite.ErrWrongCode)
	}
	require.ErrorIs(t, req("mallory", "4821"), invite.ErrLocked, "the requester who missed is locked out")
	n := len(w.events(w.org.ID))
	require.NoError(t, req("agent", "4821"), "the rightful requester is not locked out")
	require.Len(t, w.events(w.org.ID), n+1)
	// The lock is the requester's own, and lasts CodeLockout.
	w.clock.Advance(invite.CodeLockout - time.Second)
	require.ErrorIs(t, req("mallory", "4821"), invite.ErrLocked)
	w.clock.Advance(time.Second)
	require.NoError(t, req("mallory", "4821"))
}

// The code takes at most MaxWrongCodes wrong guesses, however many
// identities give them: the one that spends the budget writes one
// CodeExhausted event, and after it every guess, the right one too, is
// ErrCodeExhausted until an admin sets a new code.
func testCodeBudget(t *testing.T, f Factory) {
	w, req := codeWorld(t, f)
	n := len(w.events(w.org.ID))
	for i := range invite.MaxWrongCodes - 1 {
		require.ErrorIs(t, req(fmt.Sprintf("stranger-%d", i), fmt.Sprintf("%04d", i)), invite.ErrWrongCode)
	}
	require.Len(t, w.events(w.org.ID), n, "a wrong code writes no event")
	require.ErrorIs(t, req("stranger-last", "9999"), invite.ErrWrongCode)
	evs := w.events(w.org.ID)
	require.Len(t, evs, n+1)
	require.Equal(t, store.CodeExhausted, evs[n].Type)
	require.Equal(t, "stranger-last", evs[n].Actor.UserID)
	for _, user := range []string{"agent", "stranger-0", "stranger-new"} {
		w.refuse(w.org.ID, invite.ErrCodeExhausted, func() error { return req(user, "4821") })
	}
	w.clock.Advance(365 * 24 * time.Hour)
	w.refuse(w.org.ID, invite.ErrCodeExhausted, func() error { return req("agent", "4821") })
	// A new code starts a new budget, and forgets every requester's count.
	w.changes(w.org.ID, store.CodeSet, func() error { return invite.SetCode(w.ctx, w.s, w.org.ID, w.owner.ID, "135790") })
	for range invite.MaxCodeFailures - 1 {
		require.ErrorIs(t, req("stranger-0", "0000"), invite.ErrWrongCode)
	}
	require.NoError(t, req("agent", "135790"))
}

// A refused guess costs no key derivation: a missing or malformed code, a
// locked requester and an exhausted code are decided from stored state. A
// guess that is checked costs exactly one.
func testCodeRefusalDerivesNothing(t *testing.T, f Factory) {
	w, req := codeWorld(t, f)
	env := w.s.Env()
	runs := env.Derivations()
	derives := func(want int64, err error, target error) {
		t.Helper()
		require.ErrorIs(t, err, target)
		require.Equal(t, runs+want, env.Derivations(), "derivations after %v", err)
		runs = env.Derivations()
	}
	derives(0, req("agent", ""), invite.ErrCodeRequired)
	derives(0, req("agent", "12a4"), store.ErrInvalid)
	derives(0, req("agent", "1234567890123"), store.ErrInvalid)
	for range invite.MaxCodeFailures {
		derives(1, req("mallory", "0000"), invite.ErrWrongCode)
	}
	derives(0, req("mallory", "4821"), invite.ErrLocked)
	for i := range invite.MaxWrongCodes - invite.MaxCodeFailures {
		derives(1, req(fmt.Sprintf("stranger-%d", i), "0000"), invite.ErrWrongCode)
	}
	derives(0, req("agent", "4821"), invite.ErrCodeExhausted)
	derives(0, req("agent", ""), invite.ErrCodeExhausted)
}
