package storetest

import (
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

type mKey struct {
	org, member int
	live        bool
	name        string
}

func (m *model) applyKey(o op) outcome {
	org := o.org
	if o.kind == opIssueKey {
		if o.name == "" {
			return refused(store.ErrInvalid)
		}
		a, err := m.loadActor(org, o.actor)
		if err != nil {
			return refused(err)
		}
		if err := m.gate(a, fixture.ManageKeys); err != nil {
			return refused(err)
		}
		t := a
		if a.h == sysHandle && o.target == o.actor {
			return refused(store.ErrInvalid) // the system holds no keys
		}
		if o.target != o.actor {
			if t, err = m.loadTarget(org, a, o.target); err != nil {
				return refused(err)
			}
			if !t.active {
				return refused(member.ErrInactive)
			}
		}
		held := 0
		for _, k := range m.keys {
			if k.live && k.org == org && k.member == t.h {
				held++
			}
		}
		if held >= member.MaxKeysPerMember {
			return refused(member.ErrLimitReached)
		}
		m.keys = append(m.keys, &mKey{org: org, member: t.h, live: true, name: o.name})
		return m.done(m.ev(org, store.KeyIssued, a.h, t.h))
	}
	if o.key < 0 {
		return refused(store.ErrInvalid)
	}
	a, err := m.loadActor(org, o.actor)
	if err != nil {
		return refused(err)
	}
	k := m.keys[o.key]
	if !k.live || k.org != org {
		return refused(store.ErrNotFound)
	}
	if k.member != a.h {
		if err := m.gate(a, fixture.ManageKeys); err != nil {
			return refused(err)
		}
		if _, err := m.loadTarget(org, a, k.member); err != nil {
			return refused(err)
		}
	}
	k.live = false
	return m.done(m.ev(org, store.KeyRevoked, a.h, k.member))
}
