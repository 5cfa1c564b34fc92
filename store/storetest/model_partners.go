package storetest

import (
	"time"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

type mPart struct {
	org, partner int
	live         bool
	level        string
	scopes       uint8
	active       bool
}

// evPair is the event of a change to partnership p, in both organisations,
// or in the granting one alone once the partner is deleted.
func (m *model) evPair(p *mPart, typ store.EventType, actor int) []orgEvent {
	evs := []orgEvent{m.ev(p.org, typ, actor, -1)}
	if m.live(p.partner) {
		evs = append(evs, m.ev(p.partner, typ, actor, -1))
	}
	return evs
}

// levelGrant checks a partnership level the actor may give, and returns
// what it grants a partner.
func (m *model) levelGrant(org int, a *mMember, level string, scopes uint8) (pmask, error) {
	switch {
	case level == "":
		return 0, store.ErrInvalid
	case level == ownerRole:
		return 0, member.ErrOwnerProtected
	case !m.roleExists(org, level):
		return 0, store.ErrInvalid
	}
	perms := m.rolePerms(org, level) &^ mLifecycle
	if !m.canGrant(a, perms, scopes) {
		return 0, member.ErrEscalation
	}
	return perms, nil
}

func (m *model) invitePartner(o op, now time.Time) outcome {
	email, ok := normEmail(emailVariant(o.user, o.email))
	if !ok || o.ttl < 0 {
		return refused(store.ErrInvalid)
	}
	if o.role == "" {
		return refused(store.ErrInvalid)
	}
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, fixture.ManagePartners); err != nil {
		return refused(err)
	}
	if _, err := m.levelGrant(o.org, a, o.role, o.scopes); err != nil {
		return refused(err)
	}
	old := m.pendingInv(o.org, true, email)
	if old != nil && old.open(now) {
		return refused(store.ErrAlreadyInvited)
	}
	if old != nil {
		old.status = store.Expired
	}
	inv := &mInv{org: o.org, partner: true, email: email, role: o.role, scopes: o.scopes, profile: map[string]string{},
		status: store.Pending, ttl: o.ttl, gens: 1, joined: -1}
	if inv.ttl == 0 {
		inv.ttl = inviteExpiry
	}
	inv.expires = now.Add(inv.ttl)
	m.invs = append(m.invs, inv)
	return m.done(m.ev(o.org, store.PartnerInvited, a.h, -1))
}

// answerPartner models AcceptPartner and DeclinePartner: o.org is the
// partner organisation, o.actor its member.
func (m *model) answerPartner(o op, now time.Time) outcome {
	inv, err := m.tokenInv(o)
	if err != nil {
		return refused(err)
	}
	if inv.org == o.org {
		return refused(member.ErrSelf)
	}
	if !m.live(o.org) {
		return refused(store.ErrNotFound)
	}
	if !inv.partner {
		return refused(store.ErrNotFound)
	}
	if err := inv.closedErr(); err != nil {
		return refused(err)
	}
	if !inv.open(now) {
		return refused(invite.ErrExpired)
	}
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, fixture.ManagePartners); err != nil {
		return refused(err)
	}
	if a.email != inv.email && !m.anyEmail {
		return refused(invite.ErrEmailMismatch)
	}
	if o.kind == opDeclinePartner {
		inv.status = store.Declined
		return m.done(m.ev(inv.org, store.PartnerDeclined, a.h, -1), m.ev(o.org, store.PartnerDeclined, a.h, -1))
	}
	for _, p := range m.parts {
		if p.live && p.org == inv.org && p.partner == o.org {
			return refused(store.ErrExists)
		}
	}
	m.parts = append(m.parts, &mPart{org: inv.org, partner: o.org, live: true, level: inv.role, scopes: inv.scopes, active: true})
	inv.status, inv.joined = store.Accepted, len(m.parts)-1
	return m.done(m.ev(inv.org, store.PartnerAccepted, a.h, -1), m.ev(o.org, store.PartnerAccepted, a.h, -1))
}

// applyPartner models ChangePartner, RevokePartner and LeavePartner, which
// o.org names from either side.
func (m *model) applyPartner(o op, now time.Time) outcome {
	if o.kind == opChangePartner && o.change >= partnerChanges {
		return refused(store.ErrInvalid)
	}
	if o.part < 0 {
		return refused(store.ErrInvalid)
	}
	p := m.parts[o.part]
	if !p.live || p.org != o.org && p.partner != o.org {
		return refused(store.ErrNotFound)
	}
	// A deleted organisation, on either side of the call, is not found: the
	// store cannot open a unit of work on it.
	if !m.live(p.org) || !m.live(o.org) {
		return refused(store.ErrNotFound)
	}
	if o.kind == opLeavePartner {
		if p.partner != o.org {
			return refused(member.ErrForbidden)
		}
		a, err := m.loadActor(p.partner, o.actor)
		if err != nil {
			return refused(err)
		}
		if err := m.gate(a, fixture.ManagePartners); err != nil {
			return refused(err)
		}
		p.live = false
		return m.done(m.ev(p.org, store.PartnerLeft, a.h, -1), m.ev(p.partner, store.PartnerLeft, a.h, -1))
	}
	if p.org != o.org {
		return refused(member.ErrForbidden)
	}
	a, err := m.loadActor(p.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, fixture.ManagePartners); err != nil {
		return refused(err)
	}
	if _, err := m.levelGrant(p.org, a, p.level, p.scopes); err != nil {
		return refused(err)
	}
	if o.kind == opRevokePartner {
		p.live = false
		return m.done(m.evPair(p, store.PartnerRevoked, a.h)...)
	}
	next := *p
	var typ store.EventType
	switch o.change {
	case changeLevel:
		next.level, typ = o.role, store.PartnerLevelChanged
	case changeScopes:
		next.scopes, typ = o.scopes, store.PartnerScopesChanged
	case changeSuspend:
		next.active, typ = false, store.PartnerSuspendedEvent
	case changeResume:
		next.active, typ = true, store.PartnerResumed
	}
	if _, err := m.levelGrant(p.org, a, next.level, next.scopes); err != nil {
		return refused(err)
	}
	if next == *p {
		return m.done()
	}
	*p = next
	return m.done(m.evPair(p, typ, a.h)...)
}

// partnerGrant is what user may do in org through a partnership: of the
// user's organisations that org partners with and where the user is staff
// (a partnership never reaches the partner's outside collaborators), the
// first created.
func (m *model) partnerGrant(org int, user string) (perms pmask, scopes uint8, ok bool) {
	best := -1
	var bp *mPart
	var bx *mMember
	for _, p := range m.parts {
		if !p.live || p.org != org || !m.live(p.partner) {
			continue
		}
		if x := m.byUser(p.partner, user); x != nil && !x.external && (best < 0 || p.partner < best) {
			best, bp, bx = p.partner, p, x
		}
	}
	if bp == nil {
		return 0, 0, false
	}
	if bp.active && bx.active && !m.expired(bx) {
		perms = m.rolePerms(org, bp.level) &^ mLifecycle
	}
	return perms, bp.scopes, true
}
