package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// Workers and operations per worker of the concurrency tests.
const (
	workers = 8
	opsEach = 25
)

// checkOrg asserts the invariants that must hold on an organisation's final
// state: exactly one owner, active; the audit log numbered 1…n without gap
// or duplicate, with want events.
func (w *world) checkOrg(org store.ID, want int) {
	w.t.Helper()
	ms, _, err := w.s.Members(w.ctx, org, store.Filter{}, store.Page{Limit: store.MaxPageSize})
	require.NoError(w.t, err)
	owners := 0
	for _, m := range ms {
		if m.IsOwner() {
			owners++
			require.Equal(w.t, store.Active, m.Status, "the owner is active")
		}
	}
	require.Equal(w.t, 1, owners, "exactly one owner")
	evs := w.events(org)
	for i, e := range evs {
		require.Equal(w.t, int64(i+1), e.Seq, "the audit log has no gap or duplicate")
	}
	require.Len(w.t, evs, want, "one event per successful change, none per refusal")
}

func testConcurrentLifecycle(t *testing.T, f Factory) {
	w := newWorld(t, f)
	for range 6 {
		w.add(w.owner, "admin")
		w.add(w.owner, "editor")
	}
	ms, _, err := w.s.Members(w.ctx, w.org.ID, store.Filter{}, store.Page{})
	require.NoError(t, err)
	ids := make([]store.ID, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	base := len(w.events(w.org.ID))
	// Each success is recorded with the event it must write. Some changes
	// may turn out to change nothing (a role the member already had), so
	// they write at most one event; the others write exactly one.
	type change struct {
		typ            store.EventType
		actor, target  store.ID
		mayBeUnchanged bool
	}
	var mu sync.Mutex
	var done []change
	record := func(c change) {
		mu.Lock()
		done = append(done, c)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 99))
			for range opsEach {
				a, b := ids[r.IntN(len(ids))], ids[r.IntN(len(ids))]
				if r.IntN(2) == 0 {
					// Half the time, whoever owns the organisation now.
					if o, _, err := w.s.Members(w.ctx, w.org.ID, store.Filter{Role: "owner"}, store.Page{}); err == nil && len(o) == 1 {
						a = o[0].ID
					}
				}
				var err error
				var c change
				switch r.IntN(7) {
				case 0:
					err = member.TransferOwnership(w.ctx, w.s, w.org.ID, a, b)
					c = change{typ: store.OwnerTransferred, actor: a, target: b}
				case 1:
					_, err = member.ChangeRole(w.ctx, w.s, w.org.ID, a, b, []string{"admin", "editor", "viewer"}[r.IntN(3)])
					c = change{store.MemberRoleChanged, a, b, true}
				case 2:
					err = member.Remove(w.ctx, w.s, w.org.ID, a, b)
					c = change{typ: store.MemberRemoved, actor: a, target: b}
				case 3:
					err = member.Leave(w.ctx, w.s, w.org.ID, a)
					c = change{typ: store.MemberLeft, actor: a, target: a}
				case 4:
					_, err = member.Deactivate(w.ctx, w.s, w.org.ID, a, b)
					c = change{store.MemberDeactivated, a, b, true}
				case 5:
					_, err = member.Reactivate(w.ctx, w.s, w.org.ID, a, b)
					c = change{store.MemberReactivated, a, b, true}
				case 6:
					err = member.ProposeTransfer(w.ctx, w.s, w.org.ID, a, b)
					if err == nil {
						record(change{store.TransferProposed, a, b, true})
						err = member.AcceptTransfer(w.ctx, w.s, w.org.ID, b)
						c = change{typ: store.OwnerTransferred, actor: b, target: b}
					}
				}
				if err == nil {
					record(c)
				} else if !isRuleError(err) {
					t.Errorf("unexpected error: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	evs := w.events(w.org.ID)
	w.checkOrg(w.org.ID, len(evs))
	// Every event belongs to exactly one success, and every success that
	// must write an event has one: nothing lost, nothing duplicated.
	key := func(typ store.EventType, actor, target store.ID) string { return fmt.Sprint(typ, actor, target) }
	written := map[string]int{}
	for _, e := range evs[base:] {
		written[key(e.Type, e.Actor.Member, e.Target.Member)]++
	}
	for _, c := range done {
		k := key(c.typ, c.actor, c.target)
		if written[k] > 0 {
			written[k]--
		} else {
			require.True(t, c.mayBeUnchanged, "a %s by %v on %v wrote no event", c.typ, c.actor, c.target)
		}
	}
	for k, n := range written {
		require.Zero(t, n, "an event without a change: %s", k)
	}
	t.Logf("%d events from %d successes of %d operations", len(evs)-base, len(done), workers*opsEach)
}

// isRuleError reports whether err is one of the rules' refusals.
func isRuleError(err error) bool {
	for _, e := range []error{store.ErrNotFound, store.ErrInvalid, member.ErrForbidden, member.ErrInactive,
		member.ErrOwnerProtected, member.ErrSelf, member.ErrEscalation, member.ErrSeatLimit, store.ErrAlreadyMember,
		member.ErrInUse, store.ErrExists, invite.ErrExpired, invite.ErrAlreadyUsed, invite.ErrCancelled,
		invite.ErrDeclined, store.ErrAlreadyInvited, invite.ErrEmailMismatch} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func testConcurrentAccept(t *testing.T, f Factory) {
	w := newWorld(t, f)
	for round := range 3 {
		inv, tok, u := w.send(w.owner, "editor")
		var wins atomic.Int32
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for g := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Different users with the invited e-mail race for it.
				_, err := invite.Accept(w.ctx, w.s, tok, member.NewUser{UserID: fmt.Sprintf("racer-%d-%d", round, g), Email: u.Email})
				if err == nil {
					wins.Add(1)
					return
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		require.Equal(t, int32(1), wins.Load(), "exactly one accept wins")
		for err := range errs {
			require.ErrorIs(t, err, invite.ErrAlreadyUsed)
		}
		got, err := w.s.Invitation(w.ctx, w.org.ID, inv.ID)
		require.NoError(t, err)
		require.Equal(t, store.Accepted, got.Status)
		m, err := w.s.Member(w.ctx, w.org.ID, got.Joined)
		require.NoError(t, err)
		require.Equal(t, "editor", m.Role)
	}
	ms, _, err := w.s.Members(w.ctx, w.org.ID, store.Filter{}, store.Page{})
	require.NoError(t, err)
	require.Len(t, ms, 8)
	accepted := 0
	for _, e := range w.events(w.org.ID) {
		if e.Type == store.InvitationAccepted {
			accepted++
		}
	}
	require.Equal(t, 3, accepted)
}

func testConcurrentSeats(t *testing.T, f Factory) {
	w := newWorld(t, f)
	const limit = 20
	_, err := member.SetSeatLimit(w.ctx, w.s, w.org.ID, limit)
	require.NoError(t, err)
	var ok atomic.Int32
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				var err error
				email := fmt.Sprintf("seat-%d-%d@x.io", g, i)
				if i%2 == 0 {
					_, _, err = invite.Send(w.ctx, w.s, w.org.ID, w.admin.ID, invite.NewInvitation{Email: email, Role: "viewer"})
				} else {
					_, err = member.AddMember(w.ctx, w.s, w.org.ID, w.manager.ID, member.NewMember{
						NewUser: member.NewUser{UserID: email, Email: email}, Role: "viewer"})
				}
				if err == nil {
					ok.Add(1)
				} else if !errors.Is(err, member.ErrSeatLimit) {
					t.Errorf("unexpected error: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(limit-5), ok.Load(), "the free seats, and not one more, are taken")
	staff, _, err := w.s.Members(w.ctx, w.org.ID, store.Filter{Kind: store.Staff}, store.Page{Limit: 100})
	require.NoError(t, err)
	pending, _, err := invite.ListPending(w.ctx, w.s, w.org.ID, w.owner.ID, store.Page{Limit: 100})
	require.NoError(t, err)
	require.Equal(t, limit, len(staff)+len(pending))
}

func testConcurrentPartners(t *testing.T, f Factory) {
	w := newPartnerWorld(t, f)
	// The retailer grants a partnership back: units of work on the same pair
	// of organisations, in both directions, must not deadlock.
	_, tok, err := invite.InvitePartner(w.ctx, w.s, w.retail.ID, w.rOwner.ID, invite.NewPartner{Email: w.owner.Email, Level: "viewer"})
	require.NoError(t, err)
	back, err := invite.AcceptPartner(w.ctx, w.s, tok, w.org.ID, w.owner.ID)
	require.NoError(t, err)
	baseA, baseB := len(w.events(w.org.ID)), len(w.events(w.retail.ID))
	var changes atomic.Int32
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range opsEach / 2 {
				st := store.PartnerSuspended
				if i%2 == 1 {
					st = store.PartnerActive
				}
				var err error
				if g%2 == 0 {
					_, err = invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Status: st})
				} else {
					_, err = invite.ChangePartner(w.ctx, w.s, w.retail.ID, w.rOwner.ID, back.ID, invite.PartnerChange{Status: st})
				}
				if err != nil {
					t.Error(err)
				}
				if _, err := invite.Grant(w.ctx, w.s, w.org.ID, w.rClerk.UserID); err != nil {
					t.Error(err)
				}
			}
			changes.Add(1)
		}()
	}
	wg.Wait()
	require.Equal(t, int32(workers), changes.Load())
	// Every partnership event is in both logs, in the same relative order.
	pick := func(org store.ID, base int) []string {
		var out []string
		for _, e := range w.events(org)[base:] {
			out = append(out, fmt.Sprint(e.Type, e.Object))
		}
		return out
	}
	require.Equal(t, pick(w.org.ID, baseA), pick(w.retail.ID, baseB))
	w.checkOrg(w.org.ID, len(w.events(w.org.ID)))
	w.checkOrg(w.retail.ID, len(w.events(w.retail.ID)))
}
