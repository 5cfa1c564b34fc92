package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// The host as a system principal (member.AsSystem), and the host's
// operations on a user across organisations (#17).

var supportParty = store.Party{System: "support"}

// testSystemActor: the system runs the rules with the owner's reach,
// recorded as itself, and breaks no invariant.
func testSystemActor(t *testing.T, f Factory) {
	w := newWorld(t, f)
	sys := member.AsSystem(w.ctx, "support")
	org := w.org.ID

	e := w.changes(org, store.MemberRoleChanged, func() error {
		_, err := member.ChangeRole(sys, w.s, org, member.System, w.admin.ID, "viewer")
		return err
	})
	require.Equal(t, supportParty, e.Actor)
	require.Equal(t, w.admin.ID, e.Target.Member)
	require.Equal(t, "viewer", w.get(w.admin).Role)

	var added store.Member
	e = w.changes(org, store.MemberAdded, func() error {
		var err error
		added, err = member.AddMember(sys, w.s, org, member.System, member.NewMember{NewUser: w.user(), Role: "admin"})
		return err
	})
	require.Equal(t, supportParty, e.Actor)
	e = w.changes(org, store.MemberDeactivated, func() error {
		_, err := member.Deactivate(sys, w.s, org, member.System, added.ID)
		return err
	})
	require.Equal(t, supportParty, e.Actor)
	w.changes(org, store.MemberReactivated, func() error {
		_, err := member.Reactivate(sys, w.s, org, member.System, added.ID)
		return err
	})
	w.changes(org, store.KeyIssued, func() error {
		_, _, err := member.IssueKey(sys, w.s, org, member.System, added.ID, "ci")
		return err
	})
	w.changes(org, store.RoleCreated, func() error {
		_, err := member.CreateRole(sys, w.s, org, member.System, "billing-clerk", "Billing", access.SetOf(fixture.ManageBilling))
		return err
	})
	var inv store.Invitation
	e = w.changes(org, store.InvitationSent, func() error {
		var err error
		inv, _, err = invite.Send(sys, w.s, org, member.System, invite.NewInvitation{Email: "new@example.com", Role: "editor"})
		return err
	})
	require.Equal(t, supportParty, e.Actor)
	require.Equal(t, supportParty, inv.InvitedBy)
	e = w.changes(org, store.MemberRemoved, func() error { return member.Remove(sys, w.s, org, member.System, added.ID) })
	require.Equal(t, supportParty, e.Actor)
	e = w.changes(org, store.OrgSeatsChanged, func() error {
		_, err := member.SetSeatLimit(member.AsSystem(w.ctx, "billing"), w.s, org, 50)
		return err
	})
	require.Equal(t, store.Party{System: "billing"}, e.Actor)
	evs, err := member.AuditLog(sys, w.s, org, member.System, 0, 0)
	require.NoError(t, err)
	require.Equal(t, "system:billing", evs[len(evs)-1].Actor.String())

	// The owner's reach, never the owner: the owner cannot be touched but
	// by a transfer, and no second owner is made.
	w.refuse(org, member.ErrOwnerProtected, func() error {
		_, err := member.ChangeRole(sys, w.s, org, member.System, w.owner.ID, "admin")
		return err
	})
	w.refuse(org, member.ErrOwnerProtected, func() error {
		_, err := member.Deactivate(sys, w.s, org, member.System, w.owner.ID)
		return err
	})
	w.refuse(org, member.ErrOwnerProtected, func() error { return member.Remove(sys, w.s, org, member.System, w.owner.ID) })
	w.refuse(org, member.ErrOwnerProtected, func() error {
		_, err := member.ChangeRole(sys, w.s, org, member.System, w.editor.ID, "owner")
		return err
	})
	w.refuse(org, member.ErrOwnerProtected, func() error {
		_, err := member.AddMember(sys, w.s, org, member.System, member.NewMember{NewUser: w.user(), Role: "owner"})
		return err
	})
	// It holds no record: it cannot leave, accept a transfer or hold a key.
	w.refuse(org, store.ErrInvalid, func() error { return member.Leave(sys, w.s, org, member.System) })
	w.refuse(org, store.ErrInvalid, func() error { return member.AcceptTransfer(sys, w.s, org, member.System) })
	w.refuse(org, store.ErrInvalid, func() error {
		_, _, err := member.IssueKey(sys, w.s, org, member.System, member.System, "mine")
		return err
	})
	w.refuse(org, store.ErrInvalid, func() error {
		_, err := member.UpdateProfile(sys, w.s, org, member.System, member.System, "System", store.Profile{})
		return err
	})

	// Nothing but AsSystem makes the system: the zero ID outside it is
	// refused, a member's ID under it too, and so is a malformed name.
	w.refuse(org, store.ErrInvalid, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, org, member.System, w.editor.ID, "viewer")
		return err
	})
	w.refuse(org, store.ErrInvalid, func() error {
		_, err := member.ChangeRole(sys, w.s, org, w.owner.ID, w.editor.ID, "viewer")
		return err
	})
	w.refuse(org, store.ErrInvalid, func() error {
		_, err := member.ChangeRole(member.AsSystem(w.ctx, "sup port"), w.s, org, member.System, w.editor.ID, "viewer")
		return err
	})
	w.refuse(org, store.ErrInvalid, func() error {
		_, err := member.SetSeatLimit(member.AsSystem(w.ctx, ""), w.s, org, 60)
		return err
	})
	_, err = member.AuditLog(w.ctx, w.s, org, member.System, 0, 0)
	require.ErrorIs(t, err, store.ErrInvalid)
	// An ID of another organisation is not found, for the system too.
	other, otherOwner := w.newOrg("Other", 0)
	w.refuse(org, store.ErrNotFound, func() error {
		_, err := member.ChangeRole(sys, w.s, org, member.System, otherOwner.ID, "viewer")
		return err
	})
	_ = other
}

// testSystemTransfer: the support-initiated transfer of seeds 001 and 003
// completes at once and names the new owner; the owner is removed only
// with a successor.
func testSystemTransfer(t *testing.T, f Factory) {
	w := newWorld(t, f)
	sys := member.AsSystem(w.ctx, "support")
	org := w.org.ID

	w.refuse(org, member.ErrSelf, func() error { return member.TransferOwnership(sys, w.s, org, member.System, w.owner.ID) })
	ext, err := member.AddMember(w.ctx, w.s, org, w.owner.ID, member.NewMember{NewUser: w.user(), Kind: store.External, Allow: access.SetOf(fixture.ViewProducts)})
	require.NoError(t, err)
	w.refuse(org, store.ErrInvalid, func() error { return member.TransferOwnership(sys, w.s, org, member.System, ext.ID) })
	_, err = member.Deactivate(w.ctx, w.s, org, w.owner.ID, w.viewer.ID)
	require.NoError(t, err)
	w.refuse(org, member.ErrInactive, func() error { return member.TransferOwnership(sys, w.s, org, member.System, w.viewer.ID) })
	_, otherOwner := w.newOrg("Other", 0)
	w.refuse(org, store.ErrNotFound, func() error { return member.TransferOwnership(sys, w.s, org, member.System, otherOwner.ID) })

	e := w.changes(org, store.OwnerTransferred, func() error {
		return member.TransferOwnership(sys, w.s, org, member.System, w.manager.ID)
	})
	require.Equal(t, supportParty, e.Actor)
	require.Equal(t, w.manager.ID, e.Target.Member)
	require.Equal(t, w.owner.Email, e.Before.Email, "the event keeps who owned it before")
	require.True(t, w.get(w.manager).IsOwner())
	require.Equal(t, w.p.DemoteOwnerTo().Name, w.get(w.owner).Role)
	owners, _, err := w.s.Members(w.ctx, org, store.Filter{Role: "owner"}, store.Page{})
	require.NoError(t, err)
	require.Len(t, owners, 1)

	// A proposal by the system, accepted by its member.
	w.changes(org, store.TransferProposed, func() error { return member.ProposeTransfer(sys, w.s, org, member.System, w.admin.ID) })
	w.changes(org, store.TransferCancelled, func() error { return member.CancelTransfer(sys, w.s, org, member.System) })

	// Removing the owner: only the system, only with a successor.
	newOwner := w.get(w.manager)
	w.refuse(org, member.ErrForbidden, func() error { return member.RemoveOwner(w.ctx, w.s, org, newOwner.ID, w.admin.ID) })
	w.refuse(org, member.ErrForbidden, func() error { return member.RemoveOwner(w.ctx, w.s, org, w.admin.ID, w.editor.ID) })
	w.refuse(org, member.ErrSelf, func() error { return member.RemoveOwner(sys, w.s, org, member.System, newOwner.ID) })
	w.refuse(org, member.ErrInactive, func() error { return member.RemoveOwner(sys, w.s, org, member.System, w.viewer.ID) })
	w.refuse(org, store.ErrInvalid, func() error { return member.RemoveOwner(sys, w.s, org, member.System, member.System) })
	n := len(w.events(org))
	require.NoError(t, member.RemoveOwner(sys, w.s, org, member.System, w.admin.ID))
	evs := w.events(org)[n:]
	require.Len(t, evs, 2)
	require.Equal(t, store.OwnerTransferred, evs[0].Type)
	require.Equal(t, w.admin.ID, evs[0].Target.Member)
	require.Equal(t, store.MemberRemoved, evs[1].Type)
	require.Equal(t, newOwner.ID, evs[1].Target.Member)
	for _, e := range evs {
		require.Equal(t, supportParty, e.Actor)
	}
	_, err = w.s.Member(w.ctx, org, newOwner.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	owner, err := w.s.Member(w.ctx, org, w.admin.ID)
	require.NoError(t, err)
	require.True(t, owner.IsOwner())
}

// crossWorld is a user, "u", in three organisations: a member of b
// (created first), the owner of a, a member of c.
type crossWorld struct {
	*world
	u              member.NewUser
	a, b, c        store.Org
	bOwner, cOwner store.Member
	aOwnerNext     store.Member // a's admin, a successor
}

func newCrossWorld(t *testing.T, f Factory) *crossWorld {
	w := &crossWorld{world: newWorld(t, f)}
	w.u = member.NewUser{UserID: "u-17", Email: "u17@example.com", Name: "Uma Seventeen"}
	var aOwner store.Member
	w.b, w.bOwner = w.newOrg("B", 0)
	var err error
	w.a, aOwner, err = member.CreateOrg(w.ctx, w.s, member.NewOrg{Name: "A", Owner: w.u})
	require.NoError(t, err)
	w.c, w.cOwner = w.newOrg("C", 0)
	for _, o := range []store.Member{w.bOwner, w.cOwner} {
		_, err := member.AddMember(w.ctx, w.s, o.Org, o.ID, member.NewMember{NewUser: w.u, Role: "editor"})
		require.NoError(t, err)
	}
	w.aOwnerNext = w.add(aOwner, "admin")
	return w
}

// orgsOf lists the organisations user is a member of.
func (w *world) orgsOf(user string) []store.ID {
	w.t.Helper()
	ms, _, err := w.s.UserOrgs(w.ctx, user, store.Page{Limit: store.MaxPageSize})
	require.NoError(w.t, err)
	var out []store.ID
	for _, m := range ms {
		out = append(out, m.Org.ID)
	}
	return out
}

func testChangeEmail(t *testing.T, f Factory) {
	w := newCrossWorld(t, f)
	sys := member.AsSystem(w.ctx, "scim")
	orgs := []store.ID{w.b.ID, w.a.ID, w.c.ID}
	all := func() string { return w.state(w.a.ID) + w.state(w.b.ID) + w.state(w.c.ID) }

	before := all()
	_, err := member.ChangeEmail(w.ctx, w.s, w.u.UserID, "uma@example.org")
	require.ErrorIs(t, err, store.ErrInvalid, "the host's alone")
	_, err = member.ChangeEmail(sys, w.s, w.u.UserID, "not an e-mail")
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = member.ChangeEmail(sys, w.s, " u-17", "uma@example.org")
	require.ErrorIs(t, err, store.ErrInvalid)
	// Another member of c has the address: refused up front, everywhere.
	taken := w.user()
	_, err = member.AddMember(w.ctx, w.s, w.c.ID, w.cOwner.ID, member.NewMember{NewUser: taken, Role: "viewer"})
	require.NoError(t, err)
	before = all()
	_, err = member.ChangeEmail(sys, w.s, w.u.UserID, taken.Email)
	require.ErrorIs(t, err, store.ErrAlreadyMember)
	var oe *member.OrgsError
	require.True(t, errors.As(err, &oe))
	require.Equal(t, []store.ID{w.c.ID}, oe.Orgs)
	require.Equal(t, before, all(), "a refused change changed the store")

	done, err := member.ChangeEmail(sys, w.s, w.u.UserID, " Uma@Example.ORG ")
	require.NoError(t, err)
	require.Equal(t, orgs, done)
	for _, org := range orgs {
		m, err := w.s.MemberByUser(w.ctx, org, w.u.UserID)
		require.NoError(t, err)
		require.Equal(t, "uma@example.org", m.Email)
		evs := w.events(org)
		e := evs[len(evs)-1]
		require.Equal(t, store.MemberEmailChanged, e.Type)
		require.Equal(t, store.Party{System: "scim"}, e.Actor)
		require.Equal(t, m.ID, e.Target.Member)
		require.Equal(t, "u17@example.com", e.Before.Email)
		require.Equal(t, "uma@example.org", e.After.Email)
		_, err = w.s.MemberByEmail(w.ctx, org, "u17@example.com")
		require.ErrorIs(t, err, store.ErrNotFound)
	}
	// Again: nothing to change, no event.
	before = all()
	done, err = member.ChangeEmail(sys, w.s, w.u.UserID, "uma@example.org")
	require.NoError(t, err)
	require.Equal(t, orgs, done)
	require.Equal(t, before, all())
}

func testDeprovision(t *testing.T, f Factory) {
	w := newCrossWorld(t, f)
	sys := member.AsSystem(w.ctx, "scim")
	all := func() string { return w.state(w.a.ID) + w.state(w.b.ID) + w.state(w.c.ID) }

	before := all()
	_, err := member.Deprovision(w.ctx, w.s, w.u.UserID, nil)
	require.ErrorIs(t, err, store.ErrInvalid, "the host's alone")
	_, err = member.Deprovision(sys, w.s, w.u.UserID, nil)
	require.ErrorIs(t, err, member.ErrOwnerProtected)
	var oe *member.OrgsError
	require.True(t, errors.As(err, &oe))
	require.Equal(t, []store.ID{w.a.ID}, oe.Orgs)
	_, err = member.Deprovision(sys, w.s, w.u.UserID, map[store.ID]string{w.b.ID: "someone"})
	require.ErrorIs(t, err, member.ErrOwnerProtected, "a successor elsewhere does not do")
	_, err = member.Deprovision(sys, w.s, w.u.UserID, map[store.ID]string{w.a.ID: " bad"})
	require.ErrorIs(t, err, store.ErrInvalid)
	require.Equal(t, before, all(), "a refused change changed the store")

	// A successor who is not a member of a: b (first by ID) is done, a
	// fails and holds nothing of it, c is not reached.
	nb := len(w.events(w.b.ID))
	stateA, stateC := w.state(w.a.ID), w.state(w.c.ID)
	_, err = member.Deprovision(sys, w.s, w.u.UserID, map[store.ID]string{w.a.ID: "nobody"})
	require.ErrorIs(t, err, store.ErrNotFound)
	var pe *member.PartialError
	require.True(t, errors.As(err, &pe))
	require.Equal(t, []store.ID{w.b.ID}, pe.Done)
	require.Equal(t, w.a.ID, pe.Org)
	require.Equal(t, stateA, w.state(w.a.ID))
	require.Equal(t, stateC, w.state(w.c.ID))
	require.Equal(t, []store.ID{w.a.ID, w.c.ID}, w.orgsOf(w.u.UserID))
	evs := w.events(w.b.ID)[nb:]
	require.Len(t, evs, 1)
	require.Equal(t, store.MemberRemoved, evs[0].Type)
	require.Equal(t, store.Party{System: "scim"}, evs[0].Actor)
	require.Equal(t, w.u.UserID, evs[0].Target.UserID)

	// The run again, with a successor who can own a, finishes.
	na, nc := len(w.events(w.a.ID)), len(w.events(w.c.ID))
	done, err := member.Deprovision(sys, w.s, w.u.UserID, map[store.ID]string{w.a.ID: w.aOwnerNext.UserID})
	require.NoError(t, err)
	require.Equal(t, []store.ID{w.a.ID, w.c.ID}, done)
	require.Empty(t, w.orgsOf(w.u.UserID))
	evs = w.events(w.a.ID)[na:]
	require.Len(t, evs, 2)
	require.Equal(t, store.OwnerTransferred, evs[0].Type)
	require.Equal(t, w.aOwnerNext.ID, evs[0].Target.Member)
	require.Equal(t, store.MemberRemoved, evs[1].Type)
	require.Equal(t, w.u.UserID, evs[1].Target.UserID)
	require.True(t, w.get(w.aOwnerNext).IsOwner())
	require.Len(t, w.events(w.c.ID)[nc:], 1)

	// Nothing left: a third run does nothing.
	before = all()
	done, err = member.Deprovision(sys, w.s, w.u.UserID, nil)
	require.NoError(t, err)
	require.Empty(t, done)
	require.Equal(t, before, all())
}

// personal lists what the store keeps, as readable through a Store, of
// every organisation in orgs: members, events, the feed, invitations and
// requests, as text, for a search for what an erasure must have removed.
func (w *world) personal(orgs ...store.ID) string {
	w.t.Helper()
	var b strings.Builder
	dump := func(v any) {
		j, err := json.Marshal(v)
		require.NoError(w.t, err)
		b.Write(j)
		b.WriteByte('\n')
	}
	// The feed first: a SQL store places events in the feed as it is read.
	for after := int64(0); ; {
		evs, err := w.s.Feed(w.ctx, after, store.MaxPageSize)
		require.NoError(w.t, err)
		if len(evs) == 0 {
			break
		}
		dump(evs)
		after = evs[len(evs)-1].Pos
	}
	for _, org := range orgs {
		ms, _, err := w.s.Members(w.ctx, org, store.Filter{}, store.Page{Limit: store.MaxPageSize})
		require.NoError(w.t, err)
		for _, m := range ms {
			dump(m)
		}
		dump(w.events(org))
		invs, _, err := w.s.Invitations(w.ctx, org, store.InvitationFilter{}, store.Page{Limit: store.MaxPageSize})
		require.NoError(w.t, err)
		dump(invs)
		reqs, _, err := w.s.Requests(w.ctx, org, 0, store.Page{Limit: store.MaxPageSize})
		require.NoError(w.t, err)
		dump(reqs)
	}
	return b.String()
}

// eraseWorld leaves the cross world's user with traces of every kind: it
// renamed itself, changed its e-mail, invited someone, asked for access,
// and was invited again after it was deprovisioned.
func eraseWorld(t *testing.T, f Factory) (*crossWorld, []string) {
	w := newCrossWorld(t, f)
	sys := member.AsSystem(w.ctx, "scim")
	uc, err := w.s.MemberByUser(w.ctx, w.c.ID, w.u.UserID)
	require.NoError(t, err)
	_, err = member.UpdateProfile(w.ctx, w.s, w.c.ID, uc.ID, uc.ID, "Uma Renamed", store.Profile{})
	require.NoError(t, err)
	ua, err := w.s.MemberByUser(w.ctx, w.a.ID, w.u.UserID)
	require.NoError(t, err)
	_, _, err = invite.Send(w.ctx, w.s, w.a.ID, ua.ID, invite.NewInvitation{Email: "friend@example.com", Role: "viewer"})
	require.NoError(t, err)
	_, err = member.ChangeEmail(sys, w.s, w.u.UserID, "uma@example.org")
	require.NoError(t, err)
	d, _ := w.newOrg("D", 0)
	_, err = invite.RequestAccess(w.ctx, w.s, d.ID, invite.Requester{UserID: w.u.UserID, Email: "uma@example.org", Name: "Uma Renamed"},
		access.SetOf(fixture.ViewProducts), "Uma here, from the agency", "")
	require.NoError(t, err)
	_, err = member.Deprovision(sys, w.s, w.u.UserID, map[store.ID]string{w.a.ID: w.aOwnerNext.UserID})
	require.NoError(t, err)
	_, _, err = invite.Send(w.ctx, w.s, w.c.ID, w.cOwner.ID, invite.NewInvitation{Email: "uma@example.org", Role: "viewer"})
	require.NoError(t, err)
	return w, []string{w.u.UserID, "Uma Seventeen", "Uma Renamed", "u17@example.com", "uma@example.org", "Uma here"}
}

func testErase(t *testing.T, f Factory) {
	w, secrets := eraseWorld(t, f)
	sys := member.AsSystem(w.ctx, "privacy")
	d := w.orgsOfEvents()
	before := w.personal(d...)
	for _, s := range secrets {
		require.Contains(t, before, s, "the world should hold %q before", s)
	}
	_, err := member.Erase(w.ctx, w.s, w.u.UserID)
	require.ErrorIs(t, err, store.ErrInvalid, "the host's alone")
	// Still a member somewhere: refused, nothing changes.
	still := w.user()
	_, err = member.AddMember(w.ctx, w.s, w.b.ID, w.bOwner.ID, member.NewMember{NewUser: still, Role: "viewer"})
	require.NoError(t, err)
	all := w.personal(d...)
	_, err = member.Erase(sys, w.s, still.UserID)
	require.ErrorIs(t, err, member.ErrInUse)
	var oe *member.OrgsError
	require.True(t, errors.As(err, &oe))
	require.Equal(t, []store.ID{w.b.ID}, oe.Orgs)
	require.Equal(t, all, w.personal(d...))

	got, err := member.Erase(sys, w.s, w.u.UserID)
	require.NoError(t, err)
	require.Equal(t, member.Pseudonym(w.s.Env(), w.u.UserID), got.Pseudonym)
	require.Len(t, got.Orgs, 4, "a, b, c and the organisation it asked to join")
	after := w.personal(d...)
	for _, s := range secrets {
		require.NotContains(t, after, s, "%q remains after the erasure", s)
	}
	require.Contains(t, after, w.bOwner.Email, "another user's data stays")
	require.Contains(t, after, "friend@example.com", "the invitee is another person")

	// Attribution stays, under one pseudonym: the removal in each
	// organisation names it; each log ends with the erasure.
	for _, org := range []store.ID{w.a.ID, w.b.ID, w.c.ID} {
		evs := w.events(org)
		last := evs[len(evs)-1]
		require.Equal(t, store.UserErased, last.Type)
		require.Equal(t, store.Party{System: "privacy"}, last.Actor)
		require.Equal(t, got.Pseudonym, last.Target.UserID)
		var removed *store.Event
		for i := range evs {
			if evs[i].Type == store.MemberRemoved && evs[i].Target.UserID == got.Pseudonym {
				removed = &evs[i]
			}
		}
		require.NotNil(t, removed, "organisation %v: the removal is the pseudonym's", org)
		require.Equal(t, got.Pseudonym+"@erased.invalid", removed.Target.Email)
	}
	// The pending invitation to the user's e-mail cannot be accepted as it.
	pending, _, err := w.s.Invitations(w.ctx, w.c.ID, store.InvitationFilter{Status: store.Pending}, store.Page{})
	require.NoError(t, err)
	require.Empty(t, pending)

	// Again: nothing left to erase, nothing written.
	before = w.personal(d...)
	again, err := member.Erase(sys, w.s, w.u.UserID)
	require.NoError(t, err)
	require.Empty(t, again.Orgs)
	require.Equal(t, before, w.personal(d...))
}

// orgsOfEvents lists the organisations that have events in the feed.
func (w *world) orgsOfEvents() []store.ID {
	w.t.Helper()
	seen := map[store.ID]bool{}
	var out []store.ID
	for after := int64(0); ; {
		evs, err := w.s.Feed(w.ctx, after, store.MaxPageSize)
		require.NoError(w.t, err)
		if len(evs) == 0 {
			return out
		}
		for _, e := range evs {
			if !seen[e.Org] {
				seen[e.Org] = true
				out = append(out, e.Org)
			}
		}
		after = evs[len(evs)-1].Pos
	}
}

// testSystemObserver: the Observer sees the system principal a unit of
// work ran as, with no member actor, and the rule's name, also for the
// operations across organisations.
func testSystemObserver(t *testing.T, f Factory) {
	var mu sync.Mutex
	var units []store.Unit
	env := fixture.NewEnv(fixture.NewClock(), 43)
	env.Observer = store.ObserverFunc(func(_ context.Context, u store.Unit) {
		mu.Lock()
		units = append(units, u)
		mu.Unlock()
	})
	s := f(t, env)
	ctx := context.Background()
	last := func() store.Unit {
		mu.Lock()
		defer mu.Unlock()
		require.NotEmpty(t, units)
		return units[len(units)-1]
	}
	org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	require.NoError(t, err)
	bob, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{Role: "viewer", NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}})
	require.NoError(t, err)
	u := last()
	require.Empty(t, u.System)
	require.Equal(t, owner.ID, u.Actor)

	sys := member.AsSystem(ctx, "support")
	_, err = member.ChangeRole(sys, s, org.ID, member.System, bob.ID, "editor")
	require.NoError(t, err)
	u = last()
	require.Equal(t, "member.ChangeRole", u.Rule)
	require.Equal(t, "support", u.System)
	require.Equal(t, store.ID{}, u.Actor)
	require.Equal(t, []store.EventType{store.MemberRoleChanged}, u.Events)

	_, err = member.ChangeEmail(member.AsSystem(ctx, "scim"), s, "bob", "robert@acme.io")
	require.NoError(t, err)
	u = last()
	require.Equal(t, "member.ChangeEmail", u.Rule)
	require.Equal(t, "scim", u.System)
	require.Equal(t, []store.EventType{store.MemberEmailChanged}, u.Events)
}

// testEraseKeepsOthers: an address the erased user gave up, now another
// user's, stays that user's, and so does everything the other user did.
func testEraseKeepsOthers(t *testing.T, f Factory) {
	w := newWorld(t, f)
	sys := member.AsSystem(w.ctx, "privacy")
	a := member.NewUser{UserID: "ann-17", Email: "ann@example.com", Name: "Ann"}
	am, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: a, Role: "editor"})
	require.NoError(t, err)
	_, err = member.ChangeEmail(sys, w.s, a.UserID, "ann.new@example.com")
	require.NoError(t, err)
	require.NoError(t, member.Remove(w.ctx, w.s, w.org.ID, w.owner.ID, am.ID))
	b := member.NewUser{UserID: "ben-17", Email: "ann@example.com", Name: "Ben"}
	bm, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: b, Role: "viewer"})
	require.NoError(t, err)

	got, err := member.Erase(sys, w.s, a.UserID)
	require.NoError(t, err)
	require.Equal(t, []store.ID{w.org.ID}, got.Orgs)
	require.Equal(t, "ann@example.com", w.get(bm).Email)
	for _, e := range w.events(w.org.ID) {
		for _, p := range []store.Party{e.Actor, e.Target} {
			require.NotEqual(t, a.UserID, p.UserID)
			require.NotEqual(t, "Ann", p.Name)
			require.NotEqual(t, "ann.new@example.com", p.Email)
			if p.Member == bm.ID {
				require.Equal(t, store.Party{Member: bm.ID, UserID: b.UserID, Name: "Ben", Email: "ann@example.com"}, p)
			}
			if p.Member == am.ID {
				require.Equal(t, got.Pseudonym, p.UserID)
			}
		}
	}
}
