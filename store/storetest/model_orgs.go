package storetest

import (
	"strings"
	"time"

	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

type mOrg struct {
	live    bool
	name    string
	seats   int
	pending int // member proposed as owner, or -1
	roles   map[string]mRole
	code    *mCode
	events  int
}

// taken is the seats in use at now: staff members of any status, plus
// pending member invitations that have not expired.
func (m *model) taken(org int, now time.Time) int {
	n := 0
	for _, x := range m.members {
		if x.live && x.org == org && !x.external {
			n++
		}
	}
	for _, inv := range m.invs {
		if inv.org == org && !inv.partner && inv.open(now) {
			n++
		}
	}
	return n
}

func (m *model) seatFree(org int, now time.Time) bool {
	o := m.orgs[org]
	return o.seats == 0 || m.taken(org, now)+1 <= o.seats
}

func (m *model) createOrg(o op) outcome {
	email, ok := normEmail(emailVariant(o.user, o.email))
	switch {
	case o.name == "":
		return refused(store.ErrInvalid)
	case o.seats < 0:
		return refused(store.ErrInvalid)
	case !ok:
		return refused(store.ErrInvalid)
	}
	org := len(m.orgs)
	m.orgs = append(m.orgs, &mOrg{live: true, name: o.name, seats: o.seats, pending: -1, roles: map[string]mRole{}})
	x := m.newMember(org, o.user, userID(o.user), email, userName(o.user))
	x.role = ownerRole
	return m.done(m.ev(org, store.OrgCreated, x.h, x.h))
}

func (m *model) applyOrg(o op, now time.Time) outcome {
	org := m.orgs[o.org]
	switch o.kind {
	case opSetSeats:
		if o.seats < 0 {
			return refused(store.ErrInvalid)
		}
		if o.seats > 0 && m.taken(o.org, now) > o.seats {
			return refused(member.ErrSeatLimit)
		}
		if org.seats == o.seats {
			return m.done() // changes nothing, writes nothing
		}
		org.seats = o.seats
		by := -1 // the host, unnamed; or named as the system under AsSystem
		if o.actor == sysHandle {
			by = sysHandle
		}
		return m.done(m.ev(o.org, store.OrgSeatsChanged, by, -1))
	case opRenameOrg:
		if o.name == "" || strings.ContainsRune(o.name, 1) {
			return refused(store.ErrInvalid)
		}
	}
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if !isOwner(a) {
		return refused(member.ErrForbidden)
	}
	if o.kind == opRenameOrg {
		if org.name == o.name {
			return m.done() // changes nothing, writes nothing
		}
		org.name = o.name
		return m.done(m.ev(o.org, store.OrgRenamed, a.h, -1))
	}
	// DeleteOrg: everything in it goes but its audit log.
	out := m.done(m.ev(o.org, store.OrgDeleted, a.h, -1))
	org.live, org.roles, org.code, org.pending = false, map[string]mRole{}, nil, -1
	for _, x := range m.members {
		if x.live && x.org == o.org {
			m.dropMember(x)
		}
	}
	for _, p := range m.parts {
		// The partnerships the organisation received stay, in the
		// granting organisation, which may still change or revoke them.
		if p.live && p.org == o.org {
			p.live = false
		}
	}
	return out
}

func (m *model) applyTransfer(o op) outcome {
	org := m.orgs[o.org]
	if o.kind == opAcceptTransfer || o.kind == opCancelTransfer {
		a, err := m.loadActor(o.org, o.actor)
		if err != nil {
			return refused(err)
		}
		if o.kind == opAcceptTransfer {
			if a.h == sysHandle {
				return refused(store.ErrInvalid) // the system transfers at once
			}
			if org.pending != a.h {
				return refused(store.ErrNotFound)
			}
			return m.transfer(o.org, a, a)
		}
		if org.pending < 0 {
			return refused(store.ErrNotFound)
		}
		if !isOwner(a) && a.h != org.pending {
			return refused(member.ErrForbidden)
		}
		to := org.pending
		org.pending = -1
		return m.done(m.ev(o.org, store.TransferCancelled, a.h, to))
	}
	if o.target < 0 {
		return refused(store.ErrInvalid)
	}
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if !isOwner(a) {
		return refused(member.ErrForbidden)
	}
	t := m.memberIn(o.org, o.target)
	switch {
	case t == nil:
		return refused(store.ErrNotFound)
	case t == a || a.h == sysHandle && isOwner(t):
		return refused(member.ErrSelf)
	case t.external:
		return refused(store.ErrInvalid)
	case !t.active || m.expired(t):
		return refused(member.ErrInactive)
	}
	if o.kind == opTransfer {
		return m.transfer(o.org, a, t)
	}
	if org.pending == t.h {
		return m.done()
	}
	org.pending = t.h
	return m.done(m.ev(o.org, store.TransferProposed, a.h, t.h))
}

// transfer makes next the owner; the previous owner takes the demoted role.
func (m *model) transfer(org int, actor, next *mMember) outcome {
	prev := m.owner(org)
	prev.role, prev.profile = demotedRole, keepProfile(demotedRole, prev.profile)
	next.role, next.allow, next.deny, next.scopes = ownerRole, 0, 0, 0
	next.until, next.ended = time.Time{}, false
	next.profile = keepProfile(ownerRole, next.profile)
	m.orgs[org].pending = -1
	return m.done(m.ev(org, store.OwnerTransferred, actor.h, next.h))
}
