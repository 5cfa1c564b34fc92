package storetest

import (
	"maps"
	"time"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

type mInv struct {
	org         int
	partner     bool
	email, role string
	allow, deny pmask
	scopes      uint8
	profile     map[string]string
	status      store.InvitationStatus
	ttl         time.Duration
	expires     time.Time
	resends     int
	gens        int // tokens issued; the last is the current one
	joined      int // member (or partnership) created by accepting, or -1
}

func (i *mInv) open(now time.Time) bool { return i.status == store.Pending && now.Before(i.expires) }

// closedErr: what acting on a closed invitation says.
func (i *mInv) closedErr() error {
	switch i.status {
	case store.Accepted:
		return invite.ErrAlreadyUsed
	case store.Declined:
		return invite.ErrDeclined
	case store.Cancelled:
		return invite.ErrCancelled
	case store.Expired:
		return invite.ErrExpired
	}
	return nil
}

// invGrant is what an invitation grants, as the escalation rule compares
// it: for a member, its role's permissions (a custom role's while it
// exists) plus those added, minus those withdrawn; for a partnership, its
// level's permissions but the lifecycle ones.
func (m *model) invGrant(inv *mInv) pmask {
	if inv.partner {
		return m.rolePerms(inv.org, inv.level()) &^ mLifecycle
	}
	return (m.rolePerms(inv.org, inv.role) | inv.allow) &^ inv.deny & allPerms
}

// manageGrant is what Resend, Cancel and CopyLink check the actor covers:
// what the invitation grants (invGrant).
func (m *model) manageGrant(inv *mInv) pmask { return m.invGrant(inv) }

func (i *mInv) level() string { return i.role }

func (m *model) applyInvite(o op, now time.Time) outcome {
	org := o.org
	if o.kind == opSend {
		email, ok := normEmail(emailVariant(o.user, o.email))
		switch {
		case !ok:
			return refused(store.ErrInvalid)
		case o.ttl < 0:
			return refused(store.ErrInvalid)
		case o.role == "":
			return refused(store.ErrInvalid)
		case o.allow&o.deny != 0:
			return refused(store.ErrInvalid)
		}
		a, err := m.loadActor(org, o.actor)
		if err != nil {
			return refused(err)
		}
		if err := m.gate(a, fixture.InviteMembers); err != nil {
			return refused(err)
		}
		switch {
		case o.role == ownerRole:
			return refused(member.ErrOwnerProtected)
		case !m.roleExists(org, o.role):
			return refused(store.ErrInvalid)
		case !profileOK(o.role, profiles[o.profile]):
			return refused(store.ErrInvalid)
		}
		inv := &mInv{org: org, email: email, role: o.role, allow: o.allow, deny: o.deny, scopes: o.scopes,
			profile: maps.Clone(profiles[o.profile]), status: store.Pending, ttl: o.ttl, gens: 1, joined: -1}
		if inv.ttl == 0 {
			inv.ttl = inviteExpiry
		}
		if !m.canGrant(a, m.invGrant(inv), o.scopes) {
			return refused(member.ErrEscalation)
		}
		if m.byEmail(org, email) != nil {
			return refused(store.ErrAlreadyMember)
		}
		old := m.pendingInv(org, false, email)
		if old != nil && old.open(now) {
			return refused(store.ErrAlreadyInvited)
		}
		if !m.seatFree(org, now) {
			return refused(member.ErrSeatLimit)
		}
		if old != nil {
			old.status = store.Expired
		}
		inv.expires = now.Add(inv.ttl)
		m.invs = append(m.invs, inv)
		return m.done(m.ev(org, store.InvitationSent, a.h, -1))
	}
	if o.inv < 0 {
		return refused(store.ErrInvalid)
	}
	a, err := m.loadActor(org, o.actor)
	if err != nil {
		return refused(err)
	}
	inv := m.invs[o.inv]
	found := inv.org == org && m.live(inv.org)
	gate := fixture.InviteMembers
	if found && inv.partner {
		gate = fixture.ManagePartners
	}
	if err := m.gate(a, gate); err != nil {
		return refused(err)
	}
	if !found {
		return refused(store.ErrNotFound)
	}
	if !m.canGrant(a, m.manageGrant(inv), inv.scopes) {
		return refused(member.ErrEscalation)
	}
	if err := inv.closedErr(); err != nil {
		return refused(err)
	}
	switch o.kind {
	case opResend:
		if !inv.partner && !inv.open(now) && !m.seatFree(org, now) {
			return refused(member.ErrSeatLimit)
		}
		inv.gens++
		inv.resends++
		inv.expires = now.Add(inv.ttl)
		return m.done(m.ev(org, store.InvitationResent, a.h, -1))
	case opCancel:
		inv.status = store.Cancelled
		return m.done(m.ev(org, store.InvitationCancelled, a.h, -1))
	case opCopyLink:
		if !inv.open(now) {
			return refused(invite.ErrExpired)
		}
		return m.done()
	}
	panic("unreachable")
}

func (m *model) pendingInv(org int, partner bool, email string) *mInv {
	for _, inv := range m.invs {
		if inv.org == org && inv.partner == partner && inv.email == email && inv.status == store.Pending {
			return inv
		}
	}
	return nil
}

// tokenInv resolves an invitation token: gen -2 is malformed, -1 unknown,
// an earlier generation was rotated away by a resend.
func (m *model) tokenInv(o op) (*mInv, error) {
	if o.gen == -2 {
		return nil, store.ErrInvalid
	}
	if o.gen < 0 {
		return nil, store.ErrNotFound
	}
	inv := m.invs[o.inv]
	if o.gen != inv.gens-1 || !m.live(inv.org) {
		return nil, store.ErrNotFound
	}
	return inv, nil
}

// applyToken models the operations a token or a key secret carries to its
// organisation: accepting and declining invitations, and authenticating.
func (m *model) applyToken(o op, now time.Time) outcome {
	if o.kind == opAuthenticate {
		if o.key == -2 {
			return refused(store.ErrInvalid)
		}
		if o.key < 0 || !m.keys[o.key].live {
			return refused(store.ErrNotFound)
		}
		if !now.Before(m.keys[o.key].expires) {
			return refused(member.ErrKeyExpired)
		}
		if !m.members[m.keys[o.key].member].active && !m.keysValid {
			return refused(member.ErrInactive)
		}
		return m.done()
	}
	if o.kind == opAcceptPartner || o.kind == opDeclinePartner {
		return m.answerPartner(o, now)
	}
	// Accept and Decline: the user's input first.
	email, ok := normEmail(emailVariant(o.user, o.email))
	if !ok {
		return refused(store.ErrInvalid)
	}
	inv, err := m.tokenInv(o)
	if err != nil {
		return refused(err)
	}
	if inv.partner {
		return refused(store.ErrNotFound)
	}
	if err := inv.closedErr(); err != nil {
		return refused(err)
	}
	if !inv.open(now) {
		return refused(invite.ErrExpired)
	}
	if email != inv.email && !m.anyEmail {
		return refused(invite.ErrEmailMismatch)
	}
	if o.kind == opDecline {
		inv.status = store.Declined
		return m.done(m.ev(inv.org, store.InvitationDeclined, -1, -1))
	}
	if m.byUser(inv.org, userID(o.user)) != nil || m.byEmail(inv.org, email) != nil {
		return refused(store.ErrAlreadyMember)
	}
	x := m.newMember(inv.org, o.user, userID(o.user), email, userName(o.user))
	x.role, x.allow, x.deny, x.scopes, x.profile = inv.role, inv.allow, inv.deny, inv.scopes, maps.Clone(inv.profile)
	inv.status, inv.joined = store.Accepted, x.h
	return m.done(m.ev(inv.org, store.InvitationAccepted, x.h, x.h))
}
