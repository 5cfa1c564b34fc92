package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	require.NoError(t, run(context.Background(), io.Discard))
}

// shop is a store with an owner and one staff account, on a plan of two
// seats, with a clock the test moves.
type shop struct {
	ctx         context.Context
	db          *memstore.Store
	now         time.Time
	org         store.Org
	owner, sue  store.Member
	agent       member.NewUser
	asked, some access.Set
}

func newShop(t *testing.T) *shop {
	t.Helper()
	s := &shop{ctx: context.Background(), now: time.Date(2026, 5, 11, 9, 0, 0, 0, time.UTC)}
	var err error
	s.db, err = memstore.New(store.Env{Policy: policy, Now: func() time.Time { return s.now },
		CodeKDF: store.KDF{Time: 1, MemoryKiB: 64, Threads: 1}}) // cheap hashing, for tests only
	require.NoError(t, err)
	s.org, s.owner, err = member.CreateOrg(s.ctx, s.db, member.NewOrg{Name: "Pickle Shop", SeatLimit: 2,
		Owner: member.NewUser{UserID: "sam", Email: "sam@pickle.example"}})
	require.NoError(t, err)
	s.sue, err = member.AddMember(s.ctx, s.db, s.org.ID, s.owner.ID, member.NewMember{Role: "staff",
		NewUser: member.NewUser{UserID: "sue", Email: "sue@pickle.example"}})
	require.NoError(t, err)
	s.agent = member.NewUser{UserID: "pu-alex", Email: "alex@pixelunion.example", Name: "Alex"}
	s.asked = policy.All()
	s.some = access.SetOf(EditThemes, ViewProducts)
	return s
}

func (s *shop) request(t *testing.T, code string) store.Request {
	t.Helper()
	r, err := invite.RequestAccess(s.ctx, s.db, s.org.ID, s.agent, s.asked, "help", code)
	require.NoError(t, err)
	return r
}

// The owner reviews, narrows and approves: the collaborator holds exactly
// what was approved. Only the owner decides, never wider than asked.
func TestApproveNarrowed(t *testing.T) {
	s := newShop(t)
	r := s.request(t, "")
	_, err := s.db.MemberByUser(s.ctx, s.org.ID, s.agent.UserID)
	require.ErrorIs(t, err, store.ErrNotFound, "no access before the owner approves")

	_, err = invite.Approve(s.ctx, s.db, s.org.ID, s.sue.ID, r.ID, s.some)
	require.ErrorIs(t, err, member.ErrForbidden, "staff do not approve")
	r2, err := invite.RequestAccess(s.ctx, s.db, s.org.ID, member.NewUser{UserID: "b", Email: "b@x.example"}, s.some, "", "")
	require.NoError(t, err)
	_, err = invite.Approve(s.ctx, s.db, s.org.ID, s.owner.ID, r2.ID, s.some.With(ManageStaff))
	require.ErrorIs(t, err, store.ErrInvalid, "never wider than asked")

	_, err = invite.Approve(s.ctx, s.db, s.org.ID, s.owner.ID, r.ID, s.some)
	require.NoError(t, err)
	m, err := s.db.MemberByUser(s.ctx, s.org.ID, s.agent.UserID)
	require.NoError(t, err)
	assert.Equal(t, store.External, m.Kind)
	assert.Equal(t, access.FromCollaborator, m.Grant().Source())
	for p := range policy.All().All() {
		assert.Equal(t, s.some.Has(p), m.Can(p), policy.Name(p))
	}
	_, err = invite.Approve(s.ctx, s.db, s.org.ID, s.owner.ID, r.ID, s.some)
	require.ErrorIs(t, err, invite.ErrAlreadyUsed)
}

// The owner may refuse; the requester then has no access.
func TestRefuse(t *testing.T) {
	s := newShop(t)
	r := s.request(t, "")
	require.ErrorIs(t, invite.Refuse(s.ctx, s.db, s.org.ID, s.sue.ID, r.ID), member.ErrForbidden)
	require.NoError(t, invite.Refuse(s.ctx, s.db, s.org.ID, s.owner.ID, r.ID))
	_, err := invite.Approve(s.ctx, s.db, s.org.ID, s.owner.ID, r.ID, s.some)
	require.ErrorIs(t, err, invite.ErrDeclined)
	_, err = invite.Grant(s.ctx, s.db, s.org.ID, s.agent.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)
}

// The optional four-digit code: required once set, wrong codes counted,
// the requester who gave five in a row locked out for CodeLockout, and no
// one else.
func TestAccessCode(t *testing.T) {
	s := newShop(t)
	require.ErrorIs(t, invite.SetCode(s.ctx, s.db, s.org.ID, s.sue.ID, "4821"), member.ErrForbidden)
	require.ErrorIs(t, invite.SetCode(s.ctx, s.db, s.org.ID, s.owner.ID, "48"), store.ErrInvalid)
	require.NoError(t, invite.SetCode(s.ctx, s.db, s.org.ID, s.owner.ID, "4821"))

	ask := func(code string) error {
		_, err := invite.RequestAccess(s.ctx, s.db, s.org.ID, s.agent, s.asked, "help", code)
		return err
	}
	require.ErrorIs(t, ask(""), invite.ErrCodeRequired)
	for i := range 5 {
		require.ErrorIs(t, ask("0000"), invite.ErrWrongCode, "attempt %d", i+1)
	}
	require.ErrorIs(t, ask("4821"), invite.ErrLocked, "locked after five wrong codes, even for the right one")
	_, err := invite.RequestAccess(s.ctx, s.db, s.org.ID, member.NewUser{UserID: "c", Email: "c@x.example"}, s.some, "", "4821")
	require.NoError(t, err, "another requester is not locked out")
	s.now = s.now.Add(invite.CodeLockout)
	require.NoError(t, ask("4821"), "the lock ends")

	// Without the code, anyone may ask (the code is optional).
	require.NoError(t, invite.SetCode(s.ctx, s.db, s.org.ID, s.owner.ID, ""))
	_, err = invite.RequestAccess(s.ctx, s.db, s.org.ID, member.NewUser{UserID: "b", Email: "b@x.example"}, s.some, "", "")
	require.NoError(t, err)
}

// Permissions are adjusted at any point after acceptance, by the owner;
// the collaborator may also ask for more.
func TestAdjustLater(t *testing.T) {
	s := newShop(t)
	m, err := invite.Approve(s.ctx, s.db, s.org.ID, s.owner.ID, s.request(t, "").ID, s.some)
	require.NoError(t, err)

	_, err = member.SetPermissions(s.ctx, s.db, s.org.ID, s.sue.ID, m.ID, s.some.With(ViewOrders), access.Set{})
	require.ErrorIs(t, err, member.ErrForbidden)
	_, err = member.SetPermissions(s.ctx, s.db, s.org.ID, s.owner.ID, m.ID, access.SetOf(ViewOrders), access.Set{})
	require.NoError(t, err)
	m, err = s.db.MemberByUser(s.ctx, s.org.ID, s.agent.UserID)
	require.NoError(t, err)
	assert.True(t, m.Can(ViewOrders))
	assert.False(t, m.Can(EditThemes))

	more, err := invite.RequestAccess(s.ctx, s.db, s.org.ID, s.agent, access.SetOf(ViewReports), "need reports", "")
	require.NoError(t, err)
	assert.Equal(t, m.ID, more.Member)
	m, err = invite.Approve(s.ctx, s.db, s.org.ID, s.owner.ID, more.ID, access.SetOf(ViewReports))
	require.NoError(t, err)
	assert.True(t, m.Can(ViewReports))
	assert.True(t, m.Can(ViewOrders))
}

// Access is removed at any point; a new request is needed to come back.
func TestRemove(t *testing.T) {
	s := newShop(t)
	m, err := invite.Approve(s.ctx, s.db, s.org.ID, s.owner.ID, s.request(t, "").ID, s.some)
	require.NoError(t, err)
	require.ErrorIs(t, member.Remove(s.ctx, s.db, s.org.ID, s.sue.ID, m.ID), member.ErrForbidden)
	require.NoError(t, member.Remove(s.ctx, s.db, s.org.ID, s.owner.ID, m.ID))
	_, err = s.db.MemberByUser(s.ctx, s.org.ID, s.agent.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)
	s.request(t, "")
}

// Collaborators take no staff seat: with every seat taken, a request is
// still approved, and staff are still refused.
func TestNoSeat(t *testing.T) {
	s := newShop(t)
	add := func(user string) error {
		_, err := member.AddMember(s.ctx, s.db, s.org.ID, s.owner.ID, member.NewMember{Role: "staff",
			NewUser: member.NewUser{UserID: user, Email: user + "@pickle.example"}})
		return err
	}
	require.ErrorIs(t, add("stan"), member.ErrSeatLimit, "owner and Sue take the two seats")
	_, err := invite.Approve(s.ctx, s.db, s.org.ID, s.owner.ID, s.request(t, "").ID, s.some)
	require.NoError(t, err)
	require.ErrorIs(t, add("stan"), member.ErrSeatLimit)
	staff, _, err := s.db.Members(s.ctx, s.org.ID, store.Filter{Kind: store.Staff}, store.Page{})
	require.NoError(t, err)
	assert.Len(t, staff, 2)
	_, err = member.SetSeatLimit(s.ctx, s.db, s.org.ID, 2)
	require.NoError(t, err, "the collaborator does not count against the limit")
}

// Seed 002's support agent for a week: the access ends at the week's end
// on every read, with no job; the sweep records it once; the owner (and
// not staff without the permission) extends it, which restores it.
func TestAgentForAWeek(t *testing.T) {
	s := newShop(t)
	r := s.request(t, "")
	week := s.now.Add(7 * 24 * time.Hour)
	_, err := invite.ApproveUntil(s.ctx, s.db, s.org.ID, s.owner.ID, r.ID, s.some, s.now)
	require.ErrorIs(t, err, store.ErrInvalid, "an end must come after now")
	alex, err := invite.ApproveUntil(s.ctx, s.db, s.org.ID, s.owner.ID, r.ID, s.some, week)
	require.NoError(t, err)
	require.Equal(t, week, alex.Until)

	can := func() bool {
		m, err := s.db.MemberByUser(s.ctx, s.org.ID, s.agent.UserID)
		require.NoError(t, err)
		g, err := invite.Grant(s.ctx, s.db, s.org.ID, s.agent.UserID)
		require.NoError(t, err)
		require.Equal(t, m.Can(EditThemes), g.Can(EditThemes), "the member and the grant agree")
		return m.Can(EditThemes)
	}
	s.now = week.Add(-time.Microsecond)
	assert.True(t, can(), "until the last microsecond of the week")
	s.now = week
	assert.False(t, can(), "not from the week's end on")

	n, err := member.ExpireDue(s.ctx, s.db, 10)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = member.ExpireDue(s.ctx, s.db, 10)
	require.NoError(t, err)
	assert.Zero(t, n, "recorded once")

	_, err = member.SetExpiry(s.ctx, s.db, s.org.ID, s.sue.ID, alex.ID, s.now.Add(time.Hour))
	require.ErrorIs(t, err, member.ErrForbidden, "staff without the permission do not extend it")
	_, err = member.SetExpiry(s.ctx, s.db, s.org.ID, s.owner.ID, alex.ID, s.now.Add(72*time.Hour))
	require.NoError(t, err)
	assert.True(t, can(), "extended")
	evs, err := s.db.Events(s.ctx, s.org.ID, 0, 100)
	require.NoError(t, err)
	var types []store.EventType
	for _, e := range evs {
		types = append(types, e.Type)
	}
	assert.Equal(t, []store.EventType{store.RequestApproved, store.MemberExpired, store.MemberExpiryChanged}, types[len(types)-3:])
}
