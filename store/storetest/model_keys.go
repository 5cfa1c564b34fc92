package storetest

import (
	"time"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

type mKey struct {
	org, member int
	live        bool
	name        string
	perms       pmask     // the key's subset; 0: whatever its member holds
	expires     time.Time // the model's clock
}

// keyHeld is what key k holds when used: its member's permissions, within
// its subset, computed at use (so it narrows with its member).
func (m *model) keyHeld(k *mKey) pmask {
	held := m.held(m.members[k.member])
	if k.perms != 0 {
		held &= k.perms
	}
	return held
}

func (m *model) applyKey(o op, now time.Time) outcome {
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
		if !isOwner(a) && o.perms&^m.held(a) != 0 {
			return refused(member.ErrEscalation)
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
		ttl := o.ttl
		if ttl == 0 {
			ttl = member.DefaultKeyTTL
		}
		m.keys = append(m.keys, &mKey{org: org, member: t.h, live: true, name: o.name, perms: o.perms, expires: now.Add(ttl)})
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
