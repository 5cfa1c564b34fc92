package storetest

import (
	"strings"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

type mRole struct {
	label string
	perms pmask
}

func (m *model) rolePerms(org int, role string) pmask {
	if p, ok := modelRoles[role]; ok {
		return p
	}
	return m.orgs[org].roles[role].perms
}

func (m *model) roleExists(org int, role string) bool {
	if _, ok := modelRoles[role]; ok {
		return true
	}
	_, ok := m.orgs[org].roles[role]
	return ok
}

func validRoleName(name string) bool {
	if name == "" || len(name) > access.MaxNameLen {
		return false
	}
	return !strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r))
	})
}

func (m *model) applyRole(o op) outcome {
	org := m.orgs[o.org]
	if !validRoleName(o.role) {
		return refused(store.ErrInvalid)
	}
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, fixture.ManageRoles); err != nil {
		return refused(err)
	}
	old, exists := org.roles[o.role]
	if o.kind == opCreateRole {
		if _, policy := modelRoles[o.role]; policy || exists {
			return refused(store.ErrExists)
		}
		if !m.canGrant(a, o.perms, a.scopes) {
			return refused(member.ErrEscalation)
		}
		if len(org.roles) >= member.MaxCustomRoles {
			return refused(member.ErrLimitReached)
		}
		org.roles[o.role] = mRole{label: o.name, perms: o.perms}
		return m.done(m.ev(o.org, store.RoleCreated, a.h, -1))
	}
	if !exists {
		return refused(store.ErrNotFound)
	}
	if !m.canGrant(a, old.perms, a.scopes) {
		return refused(member.ErrEscalation)
	}
	if o.kind == opUpdateRole {
		if !m.canGrant(a, o.perms, a.scopes) {
			return refused(member.ErrEscalation)
		}
		// A scoped actor cannot widen a role in use: the holders act
		// beyond its scopes.
		if !isOwner(a) && a.scopes != 0 && o.perms&^old.perms != 0 && m.roleInUse(o.org, o.role) {
			return refused(member.ErrEscalation)
		}
		if old.label == o.name && old.perms == o.perms {
			return m.done()
		}
		org.roles[o.role] = mRole{label: o.name, perms: o.perms}
		return m.done(m.ev(o.org, store.RoleUpdated, a.h, -1))
	}
	if m.roleInUse(o.org, o.role) {
		return refused(member.ErrInUse)
	}
	delete(org.roles, o.role)
	return m.done(m.ev(o.org, store.RoleDeleted, a.h, -1))
}

// roleInUse: a member, a pending invitation or a partnership refers to it.
func (m *model) roleInUse(org int, role string) bool {
	for _, x := range m.members {
		if x.live && x.org == org && x.role == role {
			return true
		}
	}
	for _, inv := range m.invs {
		if inv.org == org && inv.status == store.Pending && inv.role == role {
			return true
		}
	}
	for _, p := range m.parts {
		if p.live && p.org == org && p.level == role {
			return true
		}
	}
	return false
}
