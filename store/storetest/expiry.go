package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// The conformance tests of access that expires (#18): members and
// partnerships with an end, judged at every read, recorded once.

// addUntil adds a staff member of role whose access ends at until.
func (w *world) addUntil(actor store.Member, role string, until time.Time) store.Member {
	w.t.Helper()
	m, err := member.AddMember(w.ctx, w.s, actor.Org, actor.ID, member.NewMember{NewUser: w.user(), Role: role, Until: until})
	require.NoError(w.t, err)
	return m
}

// ofType returns the events of org of type typ.
func (w *world) ofType(org store.ID, typ store.EventType) []store.Event {
	w.t.Helper()
	var out []store.Event
	for _, e := range w.events(org) {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// requireAllows checks every read path's answer for m: what Member,
// MemberByUser, the member list, invite.Grant (Principal) and an API key
// of m allow, and what explains a refusal.
func (w *world) requireAllows(m store.Member, secret string, want bool) {
	w.t.Helper()
	got, err := w.s.Member(w.ctx, m.Org, m.ID)
	require.NoError(w.t, err)
	require.Equal(w.t, want, got.Can(fixture.ViewProducts), "Member")
	if !want {
		require.Equal(w.t, access.Ended, got.Explain(fixture.ViewProducts).Reason, got.Explain(fixture.ViewProducts).String())
	}
	got, err = w.s.MemberByUser(w.ctx, m.Org, m.UserID)
	require.NoError(w.t, err)
	require.Equal(w.t, want, got.Can(fixture.ViewProducts), "MemberByUser")
	if !want {
		require.False(w.t, got.CanDo(access.Invite), "CanDo")
	}
	list, _, err := w.s.Members(w.ctx, m.Org, store.Filter{}, store.Page{Limit: store.MaxPageSize})
	require.NoError(w.t, err)
	found := false
	for _, l := range list {
		if l.ID == m.ID {
			found = true
			require.Equal(w.t, want, l.Can(fixture.ViewProducts), "Members")
		}
	}
	require.True(w.t, found)
	g, err := invite.Grant(w.ctx, w.s, m.Org, m.UserID)
	require.NoError(w.t, err)
	require.Equal(w.t, want, g.Can(fixture.ViewProducts), "invite.Grant")
	if secret != "" {
		km, _, err := member.Authenticate(w.ctx, w.s, secret)
		if err == nil {
			require.Equal(w.t, want, km.Can(fixture.ViewProducts), "Authenticate")
		} else {
			require.False(w.t, want, "Authenticate: %v", err)
		}
	}
}

// testExpiry: a member's end, on every read path at once, with no sweep;
// the sweep records it once; moving it is a gated change.
func testExpiry(t *testing.T, f Factory) {
	w := newWorld(t, f)
	org := w.org.ID
	_, err := member.SetSeatLimit(w.ctx, w.s, org, 100)
	require.NoError(t, err)
	now := w.clock.Now()
	agent := w.addUntil(w.owner, "admin", now.Add(7*24*time.Hour))
	require.Equal(t, now.Add(7*24*time.Hour).UTC(), agent.Until)
	require.Equal(t, agent.Until, w.get(agent).Until, "the end round-trips")
	_, secret, err := member.IssueKey(w.ctx, w.s, org, w.owner.ID, agent.ID, "deploy")
	require.NoError(t, err)
	w.requireAllows(agent, secret, true)
	w.checkSeats(org, 6, "an add with an end")

	// Bad ends: now or past, and every rule's usual refusals.
	w.refuse(org, store.ErrInvalid, func() error {
		_, err := member.AddMember(w.ctx, w.s, org, w.owner.ID, member.NewMember{NewUser: w.user(), Role: "viewer", Until: now})
		return err
	})
	w.refuse(org, store.ErrInvalid, func() error {
		_, err := member.SetExpiry(w.ctx, w.s, org, w.owner.ID, agent.ID, now.Add(-time.Second))
		return err
	})
	w.refuse(org, member.ErrOwnerProtected, func() error {
		_, err := member.SetExpiry(w.ctx, w.s, org, w.admin.ID, w.owner.ID, now.Add(time.Hour))
		return err
	})
	w.refuse(org, member.ErrSelf, func() error {
		_, err := member.SetExpiry(w.ctx, w.s, org, agent.ID, agent.ID, now.Add(30*24*time.Hour))
		return err
	})
	w.refuse(org, member.ErrForbidden, func() error {
		_, err := member.SetExpiry(w.ctx, w.s, org, w.editor.ID, w.viewer.ID, now.Add(time.Hour))
		return err
	})
	w.refuse(org, member.ErrEscalation, func() error {
		_, err := member.SetExpiry(w.ctx, w.s, org, w.manager.ID, agent.ID, now.Add(time.Hour))
		return err
	})

	// One microsecond before the end: allowed; at the end: nothing, on
	// every path, without a sweep and without an event.
	w.clock.Advance(7*24*time.Hour - time.Microsecond)
	w.requireAllows(agent, secret, true)
	w.clock.Advance(time.Microsecond)
	n := len(w.events(org))
	w.requireAllows(agent, secret, false)
	require.Len(t, w.events(org), n, "an end needs no write to take effect")
	require.False(t, w.get(agent).EndRecorded)
	w.refuse(org, member.ErrInactive, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, org, agent.ID, w.viewer.ID, "editor")
		return err
	})
	w.checkSeats(org, 6, "an end: the ended member keeps its seat")

	// The sweep records it, once.
	recorded, err := member.ExpireDue(w.ctx, w.s, 10)
	require.NoError(t, err)
	require.Equal(t, 1, recorded)
	evs := w.ofType(org, store.MemberExpired)
	require.Len(t, evs, 1)
	require.Equal(t, agent.ID, evs[0].Target.Member)
	require.Equal(t, store.Party{}, evs[0].Actor, "the end has no actor")
	require.Equal(t, agent.Until, evs[0].After.Until)
	require.True(t, w.get(agent).EndRecorded)
	recorded, err = member.ExpireDue(w.ctx, w.s, 10)
	require.NoError(t, err)
	require.Zero(t, recorded)
	require.Len(t, w.ofType(org, store.MemberExpired), 1)
	_, err = member.ExpireDue(w.ctx, w.s, 0)
	require.ErrorIs(t, err, store.ErrInvalid)
	w.checkSeats(org, 6, "a recorded end")

	// Extending restores exactly what it had; the end can come again.
	later := w.clock.Now().Add(24 * time.Hour)
	e := w.changes(org, store.MemberExpiryChanged, func() error {
		m, err := member.SetExpiry(w.ctx, w.s, org, w.owner.ID, agent.ID, later)
		require.True(t, err != nil || m.Can(fixture.ViewProducts))
		return err
	})
	require.Equal(t, agent.Until, e.Before.Until)
	require.Equal(t, later, e.After.Until)
	require.Equal(t, w.owner.ID, e.Actor.Member)
	w.requireAllows(agent, secret, true)
	require.False(t, w.get(agent).EndRecorded)
	w.changes(org, store.MemberExpiryChanged, func() error {
		_, err := member.SetExpiry(w.ctx, w.s, org, w.owner.ID, agent.ID, later.Add(-time.Hour)) // shortened
		return err
	})
	n = len(w.events(org))
	_, err = member.SetExpiry(w.ctx, w.s, org, w.owner.ID, agent.ID, later.Add(-time.Hour))
	require.NoError(t, err)
	require.Len(t, w.events(org), n, "the same end changes nothing")

	// A rule acting on an ended member records the end first.
	w.clock.Advance(24 * time.Hour)
	w.requireAllows(agent, secret, false)
	n = len(w.events(org))
	_, err = member.ChangeRole(w.ctx, w.s, org, w.owner.ID, agent.ID, "editor")
	require.NoError(t, err)
	evs = w.events(org)[n:]
	require.Len(t, evs, 2)
	require.Equal(t, store.MemberExpired, evs[0].Type)
	require.Equal(t, store.MemberRoleChanged, evs[1].Type)
	recorded, err = member.ExpireDue(w.ctx, w.s, 10)
	require.NoError(t, err)
	require.Zero(t, recorded, "recorded by the change already")

	// RecordEndsTx in a host's own unit of work; clearing the end.
	other := w.addUntil(w.owner, "viewer", w.clock.Now().Add(time.Hour))
	w.clock.Advance(time.Hour)
	require.NoError(t, w.s.Update(w.ctx, org, func(tx store.Tx) error {
		k, err := member.RecordEndsTx(w.ctx, tx, 10)
		require.Equal(t, 1, k)
		return err
	}))
	require.Len(t, w.ofType(org, store.MemberExpired), 3)
	w.changes(org, store.MemberExpiryChanged, func() error {
		m, err := member.SetExpiry(w.ctx, w.s, org, w.owner.ID, other.ID, time.Time{})
		require.True(t, err != nil || m.Until.IsZero() && m.Can(fixture.ViewProducts))
		return err
	})
	w.requireAllows(other, "", true)
	w.checkSeats(org, 7, "ends set, moved and cleared")
}

// testExpiryCarried: an invitation, an approved access request and a
// partnership carry the end of the access they give.
func testExpiryCarried(t *testing.T, f Factory) {
	w := newPartnerWorld(t, f)
	org := w.org.ID
	now := w.clock.Now()

	u := w.user()
	inv, tok, err := invite.Send(w.ctx, w.s, org, w.owner.ID, invite.NewInvitation{Email: u.Email, Role: "editor", Until: now.Add(48 * time.Hour)})
	require.NoError(t, err)
	require.Equal(t, now.Add(48*time.Hour), inv.Until)
	got, err := w.s.Invitation(w.ctx, org, inv.ID)
	require.NoError(t, err)
	require.Equal(t, inv.Until, got.Until)
	acc, err := invite.Accept(w.ctx, w.s, tok, u)
	require.NoError(t, err)
	require.Equal(t, inv.Until, acc.Member.Until)

	// An invitation whose access would have ended is refused.
	u2 := w.user()
	_, tok2, err := invite.Send(w.ctx, w.s, org, w.owner.ID, invite.NewInvitation{Email: u2.Email, Role: "viewer", Until: now.Add(time.Hour)})
	require.NoError(t, err)
	w.refuse(org, store.ErrInvalid, func() error {
		_, _, err := invite.Send(w.ctx, w.s, org, w.owner.ID, invite.NewInvitation{Email: w.user().Email, Role: "viewer", Until: now})
		return err
	})

	// Seed 002: a support agent for a week.
	req, err := invite.RequestAccess(w.ctx, w.s, org, w.user(), access.SetOf(fixture.ViewProducts, fixture.EditProducts), "support", "")
	require.NoError(t, err)
	agent, err := invite.ApproveUntil(w.ctx, w.s, org, w.owner.ID, req.ID, access.SetOf(fixture.ViewProducts), now.Add(7*24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, store.External, agent.Kind)
	require.Equal(t, now.Add(7*24*time.Hour), agent.Until)

	// Seed 004: a partner until a contract date.
	contract := now.Add(30 * 24 * time.Hour)
	e := w.changes(org, store.PartnerExpiryChanged, func() error {
		ps, err := invite.ChangePartner(w.ctx, w.s, org, w.admin.ID, w.ps.ID, invite.PartnerChange{Until: &contract})
		require.True(t, err != nil || ps.Until.Equal(contract))
		return err
	})
	require.Equal(t, contract, e.After.Until)
	require.Len(t, w.ofType(w.retail.ID, store.PartnerExpiryChanged), 1, "both organisations log it")
	w.refuse(org, member.ErrForbidden, func() error {
		_, err := invite.ChangePartner(w.ctx, w.s, org, w.manager.ID, w.ps.ID, invite.PartnerChange{Until: &contract})
		return err
	})
	past := now.Add(-time.Hour)
	w.refuse(org, store.ErrInvalid, func() error {
		_, err := invite.ChangePartner(w.ctx, w.s, org, w.admin.ID, w.ps.ID, invite.PartnerChange{Until: &past})
		return err
	})
	// The partner's clerk ends on its own earlier (its own organisation's
	// end): through the partnership too.
	_, err = member.SetExpiry(w.ctx, w.s, w.retail.ID, w.rOwner.ID, w.rClerk.ID, now.Add(24*time.Hour))
	require.NoError(t, err)
	g, err := invite.Grant(w.ctx, w.s, org, w.rClerk.UserID)
	require.NoError(t, err)
	require.True(t, g.CanIn(fixture.ViewProducts, "market:de"))

	w.clock.Advance(24 * time.Hour)
	g, err = invite.Grant(w.ctx, w.s, org, w.rClerk.UserID)
	require.NoError(t, err)
	require.False(t, g.CanIn(fixture.ViewProducts, "market:de"), "the clerk's own end")
	g, err = invite.Grant(w.ctx, w.s, org, w.rBuyer.UserID)
	require.NoError(t, err)
	require.True(t, g.CanIn(fixture.ViewProducts, "market:de"))
	_, err = invite.Accept(w.ctx, w.s, tok2, u2)
	require.ErrorIs(t, err, invite.ErrExpired, "the access the invitation gives ended")

	w.clock.Advance(29 * 24 * time.Hour)
	g, err = invite.Grant(w.ctx, w.s, org, w.rBuyer.UserID)
	require.NoError(t, err)
	require.False(t, g.CanIn(fixture.ViewProducts, "market:de"), "the partnership's end")
	require.Equal(t, access.Ended, g.Explain(fixture.ViewProducts, "market:de").Reason)
	agentNow, err := w.s.Member(w.ctx, org, agent.ID)
	require.NoError(t, err)
	require.False(t, agentNow.Can(fixture.ViewProducts), "the agent's week is over")

	recorded, err := member.ExpireDue(w.ctx, w.s, 10)
	require.NoError(t, err)
	require.Equal(t, 4, recorded, "the editor, the agent, the clerk and the partnership")
	for _, o := range []store.ID{org, w.retail.ID} {
		evs := w.ofType(o, store.PartnerExpired)
		require.Len(t, evs, 1)
		require.Equal(t, w.ps.ID, evs[0].Object)
	}
	ps, err := w.s.Partnership(w.ctx, org, w.ps.ID)
	require.NoError(t, err)
	require.True(t, ps.EndRecorded)
	recorded, err = member.ExpireDue(w.ctx, w.s, 10)
	require.NoError(t, err)
	require.Zero(t, recorded)

	// Extended, the partnership grants again.
	next := w.clock.Now().Add(time.Hour)
	_, err = invite.ChangePartner(w.ctx, w.s, org, w.admin.ID, w.ps.ID, invite.PartnerChange{Until: &next})
	require.NoError(t, err)
	g, err = invite.Grant(w.ctx, w.s, org, w.rBuyer.UserID)
	require.NoError(t, err)
	require.True(t, g.CanIn(fixture.ViewProducts, "market:de"))
}

// testConcurrentExpiry: two sweeps and concurrent writes on the ended
// members record each end exactly once.
func testConcurrentExpiry(t *testing.T, f Factory) {
	w := newWorld(t, f)
	org := w.org.ID
	end := w.clock.Now().Add(time.Hour)
	var ended []store.Member
	for range 8 {
		ended = append(ended, w.addUntil(w.owner, "viewer", end))
	}
	w.clock.Advance(time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 2+len(ended))
	for range 2 {
		wg.Go(func() {
			_, err := member.ExpireDue(w.ctx, w.s, 10)
			errs <- err
		})
	}
	for i, m := range ended {
		wg.Go(func() {
			role := "editor"
			if i%2 == 0 {
				role = "manager"
			}
			_, err := member.ChangeRole(w.ctx, w.s, org, w.owner.ID, m.ID, role)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	seen := map[store.ID]int{}
	for _, e := range w.ofType(org, store.MemberExpired) {
		seen[e.Target.Member]++
	}
	require.Len(t, seen, len(ended))
	for _, m := range ended {
		require.Equal(t, 1, seen[m.ID], "member %v's end recorded once", m.ID)
		require.True(t, w.get(m).EndRecorded)
	}
}
