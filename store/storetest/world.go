package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// The suite's permissions. Every lifecycle action is gated, so that each
// gate can be tested.
const (
	ViewProducts access.Permission = iota
	EditProducts
	DeleteProducts
	ManageBilling
	InviteMembers
	AddMembers
	RemoveMembers
	ChangeRoles
	ChangeStatus
	EditProfiles
	ManageKeys
	ReadAudit
	ManageRoles
	ApproveRequests
	ManagePartners
	numPerms
)

// Policy returns the policy the suite runs with: owner, admin, manager,
// editor and viewer. Admins hold everything but billing; managers manage
// members but not roles, keys or partners; editors and viewers manage
// nothing. Editors may carry the profile field "commission_pct"; everyone
// "phone".
func Policy() *access.Policy {
	names := []string{"products.view", "products.edit", "products.delete", "billing.manage", "members.invite",
		"members.add", "members.remove", "members.change_role", "members.change_status", "members.edit_profile",
		"keys.manage", "audit.read", "roles.manage", "requests.approve", "partners.manage"}
	spec := access.Spec{Owner: "owner", Fields: []string{"phone"}}
	for _, n := range names {
		spec.Permissions = append(spec.Permissions, access.PermissionSpec{Name: n})
	}
	editor := access.SetOf(ViewProducts, EditProducts, DeleteProducts)
	manager := editor.With(InviteMembers, AddMembers, RemoveMembers, ChangeRoles, ChangeStatus, EditProfiles, ReadAudit)
	admin := access.FirstN(int(numPerms)).Without(ManageBilling)
	spec.Roles = []access.RoleSpec{
		{Name: "owner"},
		{Name: "admin", Permissions: admin},
		{Name: "manager", Permissions: manager},
		{Name: "editor", Permissions: editor, Fields: []string{"commission_pct"}},
		{Name: "viewer", Permissions: access.SetOf(ViewProducts)},
	}
	spec.Gates = map[access.Action]access.Permission{
		access.Invite: InviteMembers, access.AddMember: AddMembers, access.Remove: RemoveMembers,
		access.ChangeRole: ChangeRoles, access.ChangeStatus: ChangeStatus, access.EditProfile: EditProfiles,
		access.ManageKeys: ManageKeys, access.ReadAudit: ReadAudit, access.ManageRoles: ManageRoles,
		access.ApproveRequests: ApproveRequests, access.ManagePartners: ManagePartners,
	}
	return access.MustPolicy(spec)
}

// Clock is a fake clock for Env.Now, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at a fixed instant.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// lockedRand is a seeded, concurrency-safe io.Reader.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.ChaCha8
}

func (l *lockedRand) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// NewEnv returns the environment the suite runs with: Policy, a fake clock,
// a seeded reader, a link key, and a cheap access-code hash.
func NewEnv(clock *Clock, seed uint64) store.Env {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return store.Env{
		Policy:  Policy(),
		Now:     clock.Now,
		Rand:    &lockedRand{r: rand.NewChaCha8(s)},
		LinkKey: []byte("0123456789abcdef0123456789abcdef"),
		CodeKDF: store.KDF{Time: 1, MemoryKiB: 64, Threads: 1},
	}
}

// world is one test's store, clock, and an organisation with a member of
// each role.
type world struct {
	t                                     *testing.T
	ctx                                   context.Context
	s                                     store.Store
	clock                                 *Clock
	p                                     *access.Policy
	org                                   store.Org
	owner, admin, manager, editor, viewer store.Member
	users                                 int
}

func newWorld(t *testing.T, f Factory) *world {
	t.Helper()
	clock := NewClock()
	s := f(t, NewEnv(clock, uint64(time.Now().UnixNano())))
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
		fmt.Fprintf(&b, "member %v %s %s %s %v %v %v %v %v %v %v\n", m.ID, m.UserID, m.Email, m.Role, m.Allow, m.Deny,
			m.Scopes, m.Status, m.Kind, m.Profile.Map(), g.Perms())
		keys, err := w.s.Keys(w.ctx, org, m.ID)
		require.NoError(w.t, err)
		for _, k := range keys {
			fmt.Fprintf(&b, "  key %v %s %x\n", k.ID, k.Name, k.Hash)
		}
	}
	roles, err := w.s.Roles(w.ctx, org)
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
