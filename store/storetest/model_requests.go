package storetest

import (
	"strings"
	"time"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// mCode is an access code: its value, the wrong codes it took from every
// requester, and each requester's misses and lock by user ID.
type mCode struct {
	value    string
	failures int
	tries    map[string]mTry
}

type mTry struct {
	failures int
	locked   time.Time
}

type mReq struct {
	org, user      int
	userID, email  string
	name           string
	perms, granted pmask
	member         int
	status         store.RequestStatus
}

func (r *mReq) closedErr() error {
	switch r.status {
	case store.Approved:
		return invite.ErrAlreadyUsed
	case store.Refused:
		return invite.ErrDeclined
	case store.Withdrawn:
		return invite.ErrCancelled
	}
	return nil
}

func (m *model) applyRequest(o op, now time.Time) outcome {
	org := m.orgs[o.org]
	switch o.kind {
	case opRequest:
		email, ok := normEmail(emailVariant(o.user, o.email))
		if !ok || o.perms == 0 {
			return refused(store.ErrInvalid)
		}
		// The access code, if any; a wrong one is counted, against the
		// requester and the code, even though the request fails.
		uid := userID(o.user)
		if c := org.code; c != nil {
			if c.failures >= codeBudget {
				return refused(invite.ErrCodeExhausted)
			}
			t := c.tries[uid]
			if now.Before(t.locked) {
				return refused(invite.ErrLocked)
			}
			if o.code == "" {
				return refused(invite.ErrCodeRequired)
			}
			if !validCode(o.code) {
				return refused(store.ErrInvalid)
			}
			if o.code != c.value {
				if !t.locked.IsZero() {
					t = mTry{}
				}
				if t.failures++; t.failures >= codeFailures {
					t = mTry{locked: now.Add(codeLockout)}
				}
				if c.tries == nil {
					c.tries = map[string]mTry{}
				}
				c.tries[uid] = t
				c.failures++
				out := refused(invite.ErrWrongCode)
				if c.failures >= codeBudget {
					out.events = []orgEvent{m.ev(o.org, store.CodeExhausted, -1, -1)}
					org.events++
				}
				return out
			}
		}
		r := &mReq{org: o.org, user: o.user, userID: userID(o.user), email: email, name: userName(o.user),
			perms: o.perms, member: -1, status: store.Asked}
		if x := m.byUser(o.org, userID(o.user)); x != nil {
			if !x.external || o.perms&^x.allow == 0 {
				return refused(store.ErrAlreadyMember)
			}
			r.member = x.h
		}
		for _, q := range m.reqs {
			if q.org == o.org && q.userID == r.userID && q.status == store.Asked {
				return refused(invite.ErrAlreadyRequested)
			}
		}
		if org.code != nil {
			delete(org.code.tries, uid) // a right code starts the requester's count again
		}
		m.reqs = append(m.reqs, r)
		return m.done(m.ev(o.org, store.RequestCreated, r.member, r.member))
	case opWithdraw:
		if o.req < 0 {
			return refused(store.ErrInvalid)
		}
		r := m.reqs[o.req]
		if r.org != o.org {
			return refused(store.ErrNotFound)
		}
		if r.userID != userID(o.user) {
			return refused(member.ErrForbidden)
		}
		if err := r.closedErr(); err != nil {
			return refused(err)
		}
		r.status = store.Withdrawn
		return m.done(m.ev(o.org, store.RequestWithdrawn, r.member, r.member))
	case opSetCode:
		if o.code != "" && !validCode(o.code) {
			return refused(store.ErrInvalid)
		}
		a, err := m.loadActor(o.org, o.actor)
		if err != nil {
			return refused(err)
		}
		if err := m.gate(a, fixture.ApproveRequests); err != nil {
			return refused(err)
		}
		if o.code != "" {
			org.code = &mCode{value: o.code}
			return m.done(m.ev(o.org, store.CodeSet, a.h, -1))
		}
		if org.code == nil {
			return m.done()
		}
		org.code = nil
		return m.done(m.ev(o.org, store.CodeCleared, a.h, -1))
	}
	// Approve and Refuse.
	if o.req < 0 {
		return refused(store.ErrInvalid)
	}
	if o.kind == opApprove && o.perms == 0 {
		return refused(store.ErrInvalid)
	}
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, fixture.ApproveRequests); err != nil {
		return refused(err)
	}
	r := m.reqs[o.req]
	if r.org != o.org {
		return refused(store.ErrNotFound)
	}
	if err := r.closedErr(); err != nil {
		return refused(err)
	}
	if o.kind == opRefuse {
		r.status = store.Refused
		return m.done(m.ev(o.org, store.RequestRefused, a.h, r.member))
	}
	if o.perms == 0 || o.perms&^r.perms != 0 {
		return refused(store.ErrInvalid)
	}
	var x *mMember
	if r.member >= 0 {
		t, err := m.loadTarget(o.org, a, r.member)
		if err != nil {
			return refused(err)
		}
		next := t.clone()
		next.allow |= o.perms
		if !m.canGrant(a, m.held(next), next.scopes) {
			return refused(member.ErrEscalation)
		}
		m.members[t.h] = next
		x = next
	} else {
		n := &mMember{org: o.org, external: true, allow: o.perms, active: true}
		if !m.canGrant(a, m.held(n), 0) {
			return refused(member.ErrEscalation)
		}
		if m.byUser(o.org, r.userID) != nil || m.byEmail(o.org, r.email) != nil {
			return refused(store.ErrAlreadyMember)
		}
		x = m.newMember(o.org, r.user, r.userID, r.email, r.name)
		x.external, x.allow = true, o.perms
	}
	r.status, r.granted, r.member = store.Approved, o.perms, x.h
	return m.done(m.ev(o.org, store.RequestApproved, a.h, x.h))
}

func validCode(c string) bool {
	return len(c) >= 4 && len(c) <= 12 && !strings.ContainsFunc(c, func(r rune) bool { return r < '0' || r > '9' })
}
