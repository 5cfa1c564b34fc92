package storetest

import (
	"maps"
	"strings"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

type mMember struct {
	h, org, user int
	live         bool
	userID       string
	email, name  string
	role         string
	allow, deny  pmask
	scopes       uint8
	active       bool
	external     bool
	profile      map[string]string
	until        time.Time // the end of its access; zero for none
	ended        bool      // the end is recorded (store.Member.EndRecorded)
}

func isOwner(x *mMember) bool { return !x.external && x.role == ownerRole }

// held is what x holds when active: its role's permissions plus those
// added, minus those withdrawn; the owner holds everything.
func (m *model) held(x *mMember) pmask {
	if isOwner(x) {
		return allPerms
	}
	var rp pmask
	if !x.external {
		rp = m.rolePerms(x.org, x.role)
	}
	return (rp | x.allow) &^ x.deny & allPerms
}

// eff is what Can answers from: nothing while inactive.
func (m *model) eff(x *mMember) pmask {
	if !x.active || m.expired(x) {
		return 0
	}
	return m.held(x)
}

func (m *model) memberIn(org, h int) *mMember {
	if h < 0 || h >= len(m.members) {
		return nil
	}
	x := m.members[h]
	if !x.live || x.org != org {
		return nil
	}
	return x
}

// find returns the first live member that match accepts, or nil.
func (m *model) find(match func(x *mMember) bool) *mMember {
	for _, x := range m.members {
		if x.live && match(x) {
			return x
		}
	}
	return nil
}

func (m *model) owner(org int) *mMember {
	return m.find(func(x *mMember) bool { return x.org == org && isOwner(x) })
}

func (m *model) byUser(org int, user string) *mMember {
	return m.find(func(x *mMember) bool { return x.org == org && x.userID == user })
}

func (m *model) memberSomewhere(user string) bool {
	return m.find(func(x *mMember) bool { return x.userID == user }) != nil
}

func (m *model) byEmail(org int, email string) *mMember {
	return m.find(func(x *mMember) bool { return x.org == org && x.email == email })
}

func profileOK(role string, prof map[string]string) bool {
	for k := range prof {
		if !fieldAllowed(role, k) {
			return false
		}
	}
	return true
}

func keepProfile(role string, prof map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range prof {
		if fieldAllowed(role, k) {
			out[k] = v
		}
	}
	return out
}

func sameMember(a, b *mMember) bool {
	return a.role == b.role && a.allow == b.allow && a.deny == b.deny && a.scopes == b.scopes &&
		a.active == b.active && a.name == b.name && maps.Equal(a.profile, b.profile)
}

func (x *mMember) clone() *mMember {
	c := *x
	c.profile = maps.Clone(x.profile)
	return &c
}

// newMember appends a member and returns it.
func (m *model) newMember(org, user int, uid, email, name string) *mMember {
	x := &mMember{h: len(m.members), org: org, user: user, live: true, userID: uid, email: email, name: name,
		active: true, profile: map[string]string{}}
	m.members = append(m.members, x)
	return x
}

func (m *model) dropMember(x *mMember) {
	x.live = false
	for _, k := range m.keys {
		if k.member == x.h {
			k.live = false
		}
	}
	if o := m.orgs[x.org]; o.pending == x.h {
		o.pending = -1
	}
}

func (m *model) applyMember(o op, now time.Time) outcome {
	org := o.org
	switch o.kind {
	case opAddMember:
		email, ok := normEmail(emailVariant(o.user, o.email))
		if !ok {
			return refused(store.ErrInvalid)
		}
		if o.external != (o.role == "") {
			return refused(store.ErrInvalid)
		}
		if o.allow&o.deny != 0 || o.external && o.allow == 0 {
			// Contradictory: allowed and denied, or a collaborator
			// without a permission.
			return refused(store.ErrInvalid)
		}
		a, err := m.loadActor(org, o.actor)
		if err != nil {
			return refused(err)
		}
		if err := m.gate(a, fixture.AddMembers); err != nil {
			return refused(err)
		}
		role := o.role
		if o.external {
			role = ""
		}
		switch {
		case !o.external && o.role == ownerRole:
			return refused(member.ErrOwnerProtected)
		case o.external && o.role != "":
			return refused(store.ErrInvalid)
		case !o.external && !m.roleExists(org, role):
			return refused(store.ErrInvalid)
		case !profileOK(role, profiles[o.profile]):
			return refused(store.ErrInvalid)
		}
		n := &mMember{org: org, role: role, allow: o.allow, deny: o.deny, scopes: o.scopes, external: o.external, active: true}
		if !m.canGrant(a, m.held(n), o.scopes) {
			return refused(member.ErrEscalation)
		}
		if m.byUser(org, userID(o.user)) != nil || m.byEmail(org, email) != nil {
			return refused(store.ErrAlreadyMember)
		}
		if !o.external && !m.seatFree(org, now) {
			return refused(member.ErrSeatLimit)
		}
		x := m.newMember(org, o.user, userID(o.user), email, userName(o.user))
		x.role, x.allow, x.deny, x.scopes, x.external = role, o.allow, o.deny, o.scopes, o.external
		x.profile = maps.Clone(profiles[o.profile])
		if o.dur != 0 {
			x.until = now.Add(o.dur)
		}
		return m.done(m.ev(org, store.MemberAdded, a.h, x.h))
	case opChangeRole:
		if o.role == "" {
			return refused(store.ErrInvalid)
		}
	case opSetPerms:
		if o.allow&o.deny != 0 {
			return refused(store.ErrInvalid)
		}
	case opProfile:
		if strings.ContainsRune(o.name, 1) {
			return refused(store.ErrInvalid)
		}
	case opLeave:
		a, err := m.loadActor(org, o.actor)
		if err != nil {
			return refused(err)
		}
		if a.h == sysHandle {
			return refused(store.ErrInvalid) // the system is no member
		}
		if isOwner(a) {
			return refused(member.ErrOwnerProtected)
		}
		m.dropMember(a)
		return m.done(m.ev(org, store.MemberLeft, a.h, a.h))
	}
	if o.kind == opProfile && o.actor == o.target {
		// A member edits its own name freely, its profile fields only
		// with the gate.
		a, err := m.loadActor(org, o.actor)
		if err != nil {
			return refused(err)
		}
		if a.h == sysHandle {
			return refused(store.ErrInvalid) // the system has no profile
		}
		if !maps.Equal(profiles[o.profile], a.profile) {
			if err := m.gate(a, fixture.EditProfiles); err != nil {
				return refused(err)
			}
		}
		if !profileOK(a.role, profiles[o.profile]) {
			return refused(store.ErrInvalid)
		}
		next := a.clone()
		next.name, next.profile = o.name, maps.Clone(profiles[o.profile])
		return m.commit(a, next, store.MemberProfileSet)
	}
	gates := map[opKind]access.Permission{opChangeRole: fixture.ChangeRoles, opSetPerms: fixture.ChangeRoles, opSetScopes: fixture.ChangeRoles,
		opProfile: fixture.EditProfiles, opDeactivate: fixture.ChangeStatus, opReactivate: fixture.ChangeStatus, opRemove: fixture.RemoveMembers}
	a, err := m.loadActor(org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, gates[o.kind]); err != nil {
		return refused(err)
	}
	t, err := m.loadTarget(org, a, o.target)
	if err != nil {
		return refused(err)
	}
	next := t.clone()
	switch o.kind {
	case opRemove:
		m.dropMember(t)
		return m.done(m.ev(org, store.MemberRemoved, a.h, t.h))
	case opChangeRole:
		if t.external {
			return refused(store.ErrInvalid)
		}
		if o.role == ownerRole {
			return refused(member.ErrOwnerProtected)
		}
		if !m.roleExists(org, o.role) {
			return refused(store.ErrInvalid)
		}
		next.role, next.profile = o.role, keepProfile(o.role, t.profile)
		return m.commit(a, next, store.MemberRoleChanged)
	case opSetPerms:
		if t.external && o.allow == 0 {
			return refused(store.ErrInvalid)
		}
		next.allow, next.deny = o.allow, o.deny
		return m.commit(a, next, store.MemberPermsSet)
	case opSetScopes:
		next.scopes = o.scopes
		return m.commit(a, next, store.MemberScopesSet)
	case opProfile:
		if !profileOK(t.role, profiles[o.profile]) {
			return refused(store.ErrInvalid)
		}
		next.name, next.profile = o.name, maps.Clone(profiles[o.profile])
		return m.commit(a, next, store.MemberProfileSet)
	case opDeactivate:
		next.active = false
		out := m.commit(a, next, store.MemberDeactivated)
		if out.err == nil && m.orgs[org].pending == t.h {
			m.orgs[org].pending = -1
		}
		return out
	case opReactivate:
		next.active = true
		return m.commit(a, next, store.MemberReactivated)
	}
	panic("unreachable")
}

// commit writes next over its record, with one event, unless it changes
// nothing; the actor must hold what next holds.
func (m *model) commit(a, next *mMember, typ store.EventType) outcome {
	if !m.canGrant(a, m.held(next), next.scopes) {
		return refused(member.ErrEscalation)
	}
	cur := m.members[next.h]
	if sameMember(cur, next) {
		return m.done()
	}
	m.members[next.h] = next
	return m.done(m.ev(next.org, typ, a.h, next.h))
}
