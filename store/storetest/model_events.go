package storetest

import (
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/store"
)

// orgEvent is one audit event an operation must write: in org, of type
// typ, by the member actor on the member target (-1: no member; the
// concurrent machine, which has no model, leaves them unchecked, -2).
type orgEvent struct {
	org           int
	typ           store.EventType
	actor, target int
}

func (m *model) ev(org int, typ store.EventType, actor, target int) orgEvent {
	return orgEvent{org, typ, actor, target}
}

func (m *model) done(evs ...orgEvent) outcome {
	for _, e := range evs {
		m.orgs[e.org].events++
	}
	return outcome{events: evs}
}

func (m *model) auditLog(o op) outcome {
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, fixture.ReadAudit); err != nil {
		return refused(err)
	}
	return m.done()
}
