package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// world is one test's store, clock, and an organisation with a member of
// each role.
type world struct {
	t                                     *testing.T
	ctx                                   context.Context
	s                                     store.Store
	clock                                 *fixture.Clock
	p                                     *access.Policy
	org                                   store.Org
	owner, admin, manager, editor, viewer store.Member
	users                                 int
}

func newWorld(t *testing.T, f Factory) *world {
	t.Helper()
	clock := fixture.NewClock()
	s := f(t, fixture.NewEnv(clock, uint64(time.Now().UnixNano())))
	w := &world{t: t, ctx: context.Background(), s: s, clock: clock, p: s.Env().Policy}
	w.org, w.owner = w.newOrg("Acme", 0)
	w.admin = w.add(w.owner, "admin")
	w.manager = w.add(w.owner, "manager")
	w.editor = w.add(w.owner, "editor")
	w.viewer = w.add(w.owner, "viewer")
	return w
}

// user returns a new user.
func (w *world) user() member.NewUser {
	w.users++
	return member.NewUser{UserID: fmt.Sprintf("user-%d", w.users), Email: fmt.Sprintf("User.%d@Example.com", w.users), Name: fmt.Sprintf("User %d", w.users)}
}

func (w *world) newOrg(name string, seats int) (store.Org, store.Member) {
	w.t.Helper()
	o, owner, err := member.CreateOrg(w.ctx, w.s, member.NewOrg{Name: name, SeatLimit: seats, Owner: w.user()})
	require.NoError(w.t, err)
	return o, owner
}

// add adds a staff member of role to the organisation actor belongs to.
func (w *world) add(actor store.Member, role string) store.Member {
	w.t.Helper()
	m, err := member.AddMember(w.ctx, w.s, actor.Org, actor.ID, member.NewMember{NewUser: w.user(), Role: role})
	require.NoError(w.t, err)
	return m
}

// get reloads a member.
func (w *world) get(m store.Member) store.Member {
	w.t.Helper()
	got, err := w.s.Member(w.ctx, m.Org, m.ID)
	require.NoError(w.t, err)
	return got
}

// events returns every audit event of org.
func (w *world) events(org store.ID) []store.Event {
	w.t.Helper()
	var all []store.Event
	for {
		evs, err := w.s.Events(w.ctx, org, int64(len(all)), 0)
		require.NoError(w.t, err)
		if len(evs) == 0 {
			return all
		}
		all = append(all, evs...)
	}
}

// state describes everything the store holds for org, to show that a
// refused change changed nothing.
func (w *world) state(org store.ID) string {
	w.t.Helper()
	var b strings.Builder
	if o, err := w.s.Org(w.ctx, org); err == nil {
		fmt.Fprintf(&b, "org %+v\n", o)
	}
	ms, _, err := w.s.Members(w.ctx, org, store.Filter{}, store.Page{Limit: store.MaxPageSize})
	require.NoError(w.t, err)
	for _, m := range ms {
		g := m.Grant()
		fmt.Fprintf(&b, "member %v %s %s %s %v %v %v %v %v %v %v %v %v\n", m.ID, m.UserID, m.Email, m.Role, m.Allow, m.Deny,
			m.Scopes, m.Status, m.Kind, m.Profile.Map(), effective(g), m.Until, m.EndRecorded)
		keys, _, err := w.s.Keys(w.ctx, org, m.ID, store.Page{Limit: store.MaxPageSize})
		require.NoError(w.t, err)
		for _, k := range keys {
			fmt.Fprintf(&b, "  key %v %s %x %v %v\n", k.ID, k.Name, k.Hash, k.Perms, k.Expires)
		}
	}
	if _, err := w.s.Org(w.ctx, org); err == nil {
		keys, _, err := w.s.Keys(w.ctx, org, store.ID{}, store.Page{Limit: store.MaxPageSize})
		require.NoError(w.t, err)
		for _, k := range keys {
			fmt.Fprintf(&b, "service key %v %s %x %v %v\n", k.ID, k.Name, k.Hash, k.Perms, k.Expires)
		}
	}
	roles, _, err := w.s.Roles(w.ctx, org, store.Page{Limit: store.MaxPageSize})
	require.NoError(w.t, err)
	for _, r := range roles {
		fmt.Fprintf(&b, "role %s %v\n", r.Name, r.Perms)
	}
	invs, _, err := w.s.Invitations(w.ctx, org, store.InvitationFilter{}, store.Page{Limit: store.MaxPageSize})
	require.NoError(w.t, err)
	for _, i := range invs {
		fmt.Fprintf(&b, "invitation %v %s %s %v %x %v %d\n", i.ID, i.Email, i.Role, i.Status, i.TokenHash, i.Expires, i.Resends)
	}
	reqs, _, err := w.s.Requests(w.ctx, org, 0, store.Page{Limit: store.MaxPageSize})
	require.NoError(w.t, err)
	for _, r := range reqs {
		fmt.Fprintf(&b, "request %v %s %v %v\n", r.ID, r.UserID, r.Status, r.Granted)
	}
	fmt.Fprintf(&b, "events %d\n", len(w.events(org)))
	return b.String()
}

// refuse runs op, which must fail with want and change nothing in org.
func (w *world) refuse(org store.ID, want error, op func() error) {
	w.t.Helper()
	before := w.state(org)
	err := op()
	require.ErrorIs(w.t, err, want)
	require.Equal(w.t, before, w.state(org), "a refused change changed the store")
}

// changes runs op, which must succeed and write exactly one event of type
// typ to org; it returns that event.
func (w *world) changes(org store.ID, typ store.EventType, op func() error) store.Event {
	w.t.Helper()
	n := len(w.events(org))
	require.NoError(w.t, op())
	evs := w.events(org)
	require.Len(w.t, evs, n+1, "a change must write exactly one event")
	e := evs[n]
	require.Equal(w.t, typ, e.Type)
	require.Equal(w.t, int64(n+1), e.Seq)
	require.Equal(w.t, org, e.Org)
	return e
}

// roleNames lists the role of each member of org, sorted, for comparisons.
func (w *world) roleNames(org store.ID) []string {
	w.t.Helper()
	ms, _, err := w.s.Members(w.ctx, org, store.Filter{}, store.Page{Limit: store.MaxPageSize})
	require.NoError(w.t, err)
	var out []string
	for _, m := range ms {
		out = append(out, m.Role)
	}
	slices.Sort(out)
	return out
}

// effective is what a grant allows now, scopes aside: what it holds while
// active, nothing while inactive. (Grant.Perms, what Can tests, is empty
// for a scope-limited grant, whose Can fails closed.)
func effective(g access.Grant) access.Set {
	if !g.Active() {
		return access.Set{}
	}
	return g.Held()
}
