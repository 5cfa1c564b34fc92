package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// Leftovers counts the records a store still keeps of org, deleted or not:
// its members, keys, roles, invitations, requests, access code and code
// attempts, the partnerships it grants, and their entries in the store's
// own indexes. Options.Leftovers gives it for the purge tests.
type Leftovers func(t *testing.T, s store.Store, org store.ID) int

// doomed is an organisation of a world with a record of every kind, to be
// deleted: n editors and an admin (one of them also a member of the world's
// organisation), a key, a custom role held by a member, a pending
// invitation, an open request, an access code, a partnership it grants the
// world's organisation and one it received from it.
type doomed struct {
	org       store.Org
	owner     store.Member
	members   []store.Member
	both      store.Member // the world's editor, a member here too
	key       store.Key
	keySecret string
	inv       store.Invitation
	invToken  string
	req       store.Request
	granted   store.Partnership // by the doomed organisation, to the world's
	received  store.Partnership // by the world's organisation, to the doomed one
}

func (w *world) doomed(name string, n int) *doomed {
	w.t.Helper()
	ctx, t := w.ctx, w.t
	d := &doomed{}
	d.org, d.owner = w.newOrg(name, 0)
	for i := range n {
		role := "editor"
		if i == 1 {
			role = "admin" // who answers a partnership
		}
		d.members = append(d.members, w.add(d.owner, role))
	}
	var err error
	d.both, err = member.AddMember(ctx, w.s, d.org.ID, d.owner.ID, member.NewMember{
		NewUser: member.NewUser{UserID: w.editor.UserID, Email: w.editor.Email}, Role: "viewer"})
	require.NoError(t, err)
	d.key, d.keySecret, err = member.IssueKey(ctx, w.s, d.org.ID, d.owner.ID, d.members[0].ID, "ci")
	require.NoError(t, err)
	_, err = member.CreateRole(ctx, w.s, d.org.ID, d.owner.ID, "auditor", "", access.SetOf(fixture.ViewProducts))
	require.NoError(t, err)
	_, err = member.ChangeRole(ctx, w.s, d.org.ID, d.owner.ID, d.members[len(d.members)-1].ID, "auditor")
	require.NoError(t, err)
	d.inv, d.invToken, err = invite.Send(ctx, w.s, d.org.ID, d.owner.ID, invite.NewInvitation{Email: "late@" + name + ".io", Role: "viewer"})
	require.NoError(t, err)
	d.req, err = invite.RequestAccess(ctx, w.s, d.org.ID, member.NewUser{UserID: "agent-" + name, Email: "agent@" + name + ".io"},
		access.SetOf(fixture.ViewProducts), "", "")
	require.NoError(t, err)
	require.NoError(t, invite.SetCode(ctx, w.s, d.org.ID, d.owner.ID, "4821"))
	_, tok, err := invite.InvitePartner(ctx, w.s, d.org.ID, d.owner.ID, invite.NewPartner{Email: w.admin.Email, Level: "editor"})
	require.NoError(t, err)
	d.granted, err = invite.AcceptPartner(ctx, w.s, tok, w.org.ID, w.admin.ID)
	require.NoError(t, err)
	_, tok, err = invite.InvitePartner(ctx, w.s, w.org.ID, w.owner.ID, invite.NewPartner{Email: d.members[1].Email, Level: "viewer"})
	require.NoError(t, err)
	d.received, err = invite.AcceptPartner(ctx, w.s, tok, d.org.ID, d.members[1].ID)
	require.NoError(t, err)
	return d
}

// requireGone checks that every read and rule answers as if d's
// organisation and everything in it were gone.
func (w *world) requireGone(d *doomed) {
	w.t.Helper()
	ctx, t, s, org := w.ctx, w.t, w.s, d.org.ID
	_, err := s.Org(ctx, org)
	require.ErrorIs(t, err, store.ErrNotFound)
	for _, m := range []store.Member{d.owner, d.members[0], d.both} {
		_, err = s.Member(ctx, org, m.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.MemberByUser(ctx, org, m.UserID)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.MemberByEmail(ctx, org, m.Email)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = invite.Grant(ctx, s, org, m.UserID)
		require.ErrorIs(t, err, store.ErrNotFound)
	}
	ms, _, err := s.Members(ctx, org, store.Filter{}, store.Page{})
	require.NoError(t, err)
	require.Empty(t, ms)
	ms, _, err = s.Members(ctx, org, store.Filter{Role: "editor"}, store.Page{})
	require.NoError(t, err)
	require.Empty(t, ms)
	orgs, _, err := s.UserOrgs(ctx, d.both.UserID, store.Page{})
	require.NoError(t, err)
	require.Len(t, orgs, 1, "the user's other membership alone")
	require.Equal(t, w.org.ID, orgs[0].Org.ID)
	orgs, _, err = s.UserOrgs(ctx, d.members[0].UserID, store.Page{})
	require.NoError(t, err)
	require.Empty(t, orgs)
	_, _, err = s.Keys(ctx, org, d.members[0].ID, store.Page{})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.KeyByHash(ctx, d.key.Hash)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, _, err = member.Authenticate(ctx, s, d.keySecret)
	require.Error(t, err)
	roles, _, err := s.Roles(ctx, org, store.Page{})
	require.NoError(t, err)
	require.Empty(t, roles)
	_, err = s.Invitation(ctx, org, d.inv.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	invs, _, err := s.Invitations(ctx, org, store.InvitationFilter{}, store.Page{})
	require.NoError(t, err)
	require.Empty(t, invs)
	_, err = s.PendingInvitation(ctx, org, store.ForMember, d.inv.Email)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.InvitationOrg(ctx, d.inv.TokenHash)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.InvitationByHash(ctx, d.inv.TokenHash)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = invite.Accept(ctx, s, d.invToken, member.NewUser{UserID: "late", Email: d.inv.Email})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.Request(ctx, org, d.req.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	reqs, _, err := s.Requests(ctx, org, 0, store.Page{})
	require.NoError(t, err)
	require.Empty(t, reqs)
	// The partnership it granted went with it; the one it received stays
	// with the organisation that granted it, as before the tombstone.
	_, err = s.Partnership(ctx, w.org.ID, d.granted.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	pss, _, err := s.Partnerships(ctx, w.org.ID, store.Page{})
	require.NoError(t, err)
	require.Len(t, pss, 1)
	require.Equal(t, d.received.ID, pss[0].ID)
	_, err = invite.Grant(ctx, s, org, w.admin.UserID)
	require.ErrorIs(t, err, store.ErrNotFound, "its partnership no longer reaches the partner's members")
	_, err = invite.Grant(ctx, s, w.org.ID, d.members[1].UserID)
	require.ErrorIs(t, err, store.ErrNotFound, "its members no longer reach the organisation that partnered with it")
	_, err = member.ChangeRole(ctx, s, org, d.owner.ID, d.members[0].ID, "viewer")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, _, err = invite.Send(ctx, s, org, d.owner.ID, invite.NewInvitation{Email: "later@x.io", Role: "viewer"})
	require.ErrorIs(t, err, store.ErrNotFound)
	evs := w.events(org)
	require.Equal(t, store.OrgDeleted, evs[len(evs)-1].Type, "the audit log stays")
}

// testPurge: DeleteOrg is a tombstone that removes no record, and every
// read and rule answers at once as if the organisation were gone; Purge
// removes the records in batches of at most its limit, each batch a
// transaction of its own, whatever the order of its calls and of other
// units of work between them, touches no other organisation, and leaves
// nothing behind; a purge stopped part-way leaves the rest to the next.
func testPurge(t *testing.T, f Factory, leftovers Leftovers) {
	require.NotNil(t, leftovers, "the purge tests need Options.Leftovers")
	w := newWorld(t, f)
	left := func(org store.ID) int { t.Helper(); return leftovers(t, w.s, org) }
	d := w.doomed("doomed", 30)
	acme, acmeLeft := w.state(w.org.ID), left(w.org.ID)
	before := left(d.org.ID)
	require.Greater(t, before, len(d.members), "Leftovers counts the organisation's records")
	g, err := invite.Grant(w.ctx, w.s, d.org.ID, w.admin.UserID)
	require.NoError(t, err, "the partnership reaches before the deletion")
	require.Equal(t, access.FromPartner, g.Source())

	require.NoError(t, member.DeleteOrg(w.ctx, w.s, d.org.ID, d.owner.ID))
	require.Equal(t, before, left(d.org.ID), "the tombstone's unit of work removes no record: its cost is not the organisation's size")
	w.requireGone(d)

	for _, limit := range []int{0, -1} {
		_, err := w.s.Purge(w.ctx, limit)
		require.ErrorIs(t, err, store.ErrInvalid)
	}
	require.Equal(t, before, left(d.org.ID))

	// Batches of at most 7, with writes of another organisation between
	// them, until nothing is left.
	busy, busyOwner := w.newOrg("Busy", 0)
	remaining, batches := before, 0
	for remaining > 0 {
		n, err := w.s.Purge(w.ctx, 7)
		require.NoError(t, err)
		require.Positive(t, n, "Purge stopped with %d records left", remaining)
		require.LessOrEqual(t, n, 7, "a batch is at most the limit")
		remaining -= n
		require.Equal(t, remaining, left(d.org.ID), "a batch removes what it says it removed")
		batches++
		w.add(busyOwner, "viewer")
		_, err = w.s.MemberByUser(w.ctx, d.org.ID, d.members[2].UserID)
		require.ErrorIs(t, err, store.ErrNotFound)
	}
	require.GreaterOrEqual(t, batches, (before+6)/7)
	n, err := w.s.Purge(w.ctx, 7)
	require.NoError(t, err)
	require.Zero(t, n, "nothing left")
	w.requireGone(d)
	require.Equal(t, acme, w.state(w.org.ID), "the purge touched only the deleted organisation")
	require.Equal(t, acmeLeft, left(w.org.ID))
	ms, _, err := w.s.Members(w.ctx, busy.ID, store.Filter{}, store.Page{Limit: store.MaxPageSize})
	require.NoError(t, err)
	require.Len(t, ms, 1+batches, "every write between the batches committed")
}

// testPurgeInterrupted: a purge whose context ends before or while it runs
// removes only what it reports, leaves the organisation as gone as before,
// and the next purge finishes it.
func testPurgeInterrupted(t *testing.T, f Factory, leftovers Leftovers) {
	require.NotNil(t, leftovers, "the purge tests need Options.Leftovers")
	w := newWorld(t, f)
	d := w.doomed("halfway", 20)
	require.NoError(t, member.DeleteOrg(w.ctx, w.s, d.org.ID, d.owner.ID))
	before := leftovers(t, w.s, d.org.ID)

	ended, cancel := context.WithCancel(w.ctx)
	cancel()
	n, err := w.s.Purge(ended, 5)
	require.ErrorIs(t, err, context.Canceled)
	require.Zero(t, n)
	require.Equal(t, before, leftovers(t, w.s, d.org.ID))

	// Cancelled while it runs: wherever it stopped, it removed what it
	// reports and no more.
	for i := 0; i < 5; i++ {
		ctx, cancel := context.WithCancel(w.ctx)
		var n int
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			n, err = store.PurgeAll(ctx, w.s, 2)
		}()
		time.Sleep(time.Duration(i) * time.Millisecond) // stops it at some point, or none
		cancel()
		<-done
		if err != nil {
			require.ErrorIs(t, err, context.Canceled)
		}
		after := leftovers(t, w.s, d.org.ID)
		require.Equal(t, before-n, after, "a stopped purge removed %d, reported %d", before-after, n)
		before = after
		w.requireGone(d)
	}
	_, err = store.PurgeAll(w.ctx, w.s, 3)
	require.NoError(t, err)
	require.Zero(t, leftovers(t, w.s, d.org.ID))
	w.requireGone(d)
}

// testPurgeConcurrent: purges run beside units of work on other
// organisations, and beside the deletion of another one, and every one of
// them completes; at the end nothing of either deleted organisation is
// left (run it with -race).
func testPurgeConcurrent(t *testing.T, f Factory, leftovers Leftovers) {
	require.NotNil(t, leftovers, "the purge tests need Options.Leftovers")
	w := newWorld(t, f)
	first := w.doomed("first", 40)
	second := w.doomed("second", 5)
	busy, busyOwner := w.newOrg("Busy", 0)
	require.NoError(t, member.DeleteOrg(w.ctx, w.s, first.org.ID, first.owner.ID))

	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := store.PurgeAll(w.ctx, w.s, 3); err != nil {
				errs <- err
			}
		}()
	}
	for i := range 10 {
		_, err := member.AddMember(w.ctx, w.s, busy.ID, busyOwner.ID, member.NewMember{
			NewUser: member.NewUser{UserID: fmt.Sprint("busy-", i), Email: fmt.Sprintf("busy%d@x.io", i)}, Role: "viewer"})
		require.NoError(t, err)
		if i == 5 {
			require.NoError(t, member.DeleteOrg(w.ctx, w.s, second.org.ID, second.owner.ID))
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	_, err := store.PurgeAll(w.ctx, w.s, 3) // the second may have come after both finished
	require.NoError(t, err)
	require.Zero(t, leftovers(t, w.s, first.org.ID))
	require.Zero(t, leftovers(t, w.s, second.org.ID))
	ms, _, err := w.s.Members(w.ctx, busy.ID, store.Filter{}, store.Page{Limit: store.MaxPageSize})
	require.NoError(t, err)
	require.Len(t, ms, 11)
}
