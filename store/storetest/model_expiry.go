package storetest

import (
	"cmp"
	"slices"
	"time"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/store"
)

// The model of access that expires: a member's end (until), after which it
// can do nothing and its reads allow nothing, whatever its status; the end
// recorded once (ended), by the sweep or by the first operation that acts
// on the member as its target.

// expired: x's end has come by the operation's time.
func (m *model) expired(x *mMember) bool { return !x.until.IsZero() && !m.now.Before(x.until) }

// noteEnd: the operation acts on t, whose end has come and is not
// recorded: it records it first, if it succeeds.
func (m *model) noteEnd(t *mMember) {
	if m.noted == nil && m.expired(t) && !t.ended {
		m.noted, t.ended = t, true
	}
}

// recordNoted completes out with the record of the noted end, before the
// operation's own events; a refusal records nothing.
func (m *model) recordNoted(out outcome) outcome {
	x := m.noted
	if x == nil {
		return out
	}
	m.noted = nil
	if out.err != nil {
		x.ended = false
		return out
	}
	m.orgs[x.org].events++
	out.events = append([]orgEvent{m.ev(x.org, store.MemberExpired, -1, x.h)}, out.events...)
	return out
}

// setExpiry: in a live organisation, the end given first (an end in the
// past is ErrInvalid), then
// a change like a role's: gated by ChangeRoles, on another member who is
// not the owner and holds no more than the actor.
func (m *model) setExpiry(o op) outcome {
	if !m.live(o.org) {
		return refused(store.ErrNotFound) // the unit of work opens first
	}
	if o.dur < 0 {
		return refused(store.ErrInvalid)
	}
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, fixture.ChangeRoles); err != nil {
		return refused(err)
	}
	t, err := m.loadTarget(o.org, a, o.target)
	if err != nil {
		return refused(err)
	}
	var until time.Time
	if o.dur > 0 {
		until = m.now.Add(o.dur)
	}
	if until.Equal(t.until) {
		return m.done()
	}
	t.until, t.ended = until, false
	return m.done(m.ev(o.org, store.MemberExpiryChanged, a.h, t.h))
}

// expireDue: every live organisation's ends that have come and are not
// recorded, earliest first.
func (m *model) expireDue() outcome {
	var due []*mMember
	for _, x := range m.members {
		if x.live && m.live(x.org) && m.expired(x) && !x.ended {
			due = append(due, x)
		}
	}
	slices.SortStableFunc(due, func(a, b *mMember) int { return cmp.Or(cmp.Compare(a.org, b.org), a.until.Compare(b.until)) })
	var evs []orgEvent
	for _, x := range due {
		x.ended = true
		evs = append(evs, m.ev(x.org, store.MemberExpired, -1, x.h))
	}
	return m.done(evs...)
}
