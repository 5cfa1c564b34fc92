package storetest

import (
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// The host's operations on a user across organisations (member.ChangeEmail,
// member.Deprovision), modelled: the system's alone; refused up front where
// some organisation refuses, otherwise one organisation after another,
// each all or nothing, until one fails.

// userMembers lists the live memberships of user, by organisation.
func (m *model) userMembers(user string) []*mMember {
	var out []*mMember
	for org := range m.orgs {
		if !m.live(org) {
			continue
		}
		if x := m.byUser(org, user); x != nil {
			out = append(out, x)
		}
	}
	return out
}

func (m *model) applyUser(o op) outcome {
	user := userID(o.user)
	var email string
	if o.kind == opChangeEmail {
		var ok bool
		if email, ok = normEmail(emailVariant(o.user, o.email)); !ok {
			return refused(store.ErrInvalid)
		}
	}
	if o.actor != sysHandle {
		return refused(store.ErrInvalid) // the host's, under AsSystem
	}
	ms := m.userMembers(user)
	if o.kind == opChangeEmail {
		for _, x := range ms {
			if other := m.byEmail(x.org, email); other != nil && other != x {
				return refused(store.ErrAlreadyMember)
			}
		}
		var evs []orgEvent
		for _, x := range ms {
			if x.email != email {
				next := x.clone()
				next.email = email
				m.members[x.h] = next
				evs = append(evs, m.ev(x.org, store.MemberEmailChanged, sysHandle, x.h))
			}
		}
		return m.done(evs...)
	}
	for _, x := range ms {
		if isOwner(x) && o.succ < 0 {
			return refused(member.ErrOwnerProtected)
		}
	}
	var evs []orgEvent
	for _, x := range ms {
		if !isOwner(x) {
			m.dropMember(x)
			evs = append(evs, m.ev(x.org, store.MemberRemoved, sysHandle, x.h))
			continue
		}
		next := m.byUser(x.org, userID(o.succ))
		var err error
		switch {
		case next == nil:
			err = store.ErrNotFound
		case next == x:
			err = member.ErrSelf
		case next.external:
			err = store.ErrInvalid
		case !next.active, m.expired(next):
			err = member.ErrInactive // as TransferOwnership refuses it
		}
		if err != nil {
			out := m.done(evs...)
			out.err, out.partial = err, true
			return out
		}
		sys := &mMember{h: sysHandle, org: x.org, user: -1, live: true, role: ownerRole, active: true}
		m.transfer(x.org, sys, next)
		m.orgs[x.org].events-- // counted again below, with the removal
		m.dropMember(m.members[x.h])
		evs = append(evs, m.ev(x.org, store.OwnerTransferred, sysHandle, next.h), m.ev(x.org, store.MemberRemoved, sysHandle, x.h))
	}
	return m.done(evs...)
}
