package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// TestMultiInstance stands for several instances of a host application
// sharing one PostgreSQL (or MySQL) database: each has its own *sql.DB pool and Store.
// They race transfers, accepts, removals and seat-limited invitations on the
// same organisations; every rule must hold on the final state.
func TestMultiInstance(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.Postgres, sqlstore.MySQL} {
		t.Run(d.String(), func(t *testing.T) { multiInstance(t, d) })
	}
}

func multiInstance(t *testing.T, d sqlstore.Dialect) {
	const instances, orgs, seats, rounds = 4, 3, 12, 30
	requireDB(t, d)
	ctx := context.Background()
	prefix := fmt.Sprintf("mi%d_", prefixes.Add(1))
	clock := fixture.NewClock()
	stores := make([]*sqlstore.Store, instances)
	for i := range stores {
		db := openDB(t, d)
		db.SetMaxOpenConns(4)
		s, err := sqlstore.New(db, d, fixture.NewEnv(clock, uint64(100+i)), sqlstore.Options{Prefix: prefix})
		require.NoError(t, err)
		require.NoError(t, s.Migrate(ctx))
		stores[i] = s
	}
	s0 := stores[0]
	type world struct {
		org     store.Org
		members []store.ID
		tokens  []string
		emails  []string
	}
	worlds := make([]*world, orgs)
	for i := range worlds {
		o, owner, err := member.CreateOrg(ctx, s0, member.NewOrg{Name: fmt.Sprint("org", i), SeatLimit: seats,
			Owner: member.NewUser{UserID: fmt.Sprintf("o%d-owner", i), Email: fmt.Sprintf("owner@o%d.io", i)}})
		require.NoError(t, err)
		w := &world{org: o, members: []store.ID{owner.ID}}
		for j := range 4 {
			m, err := member.AddMember(ctx, s0, o.ID, owner.ID, member.NewMember{
				NewUser: member.NewUser{UserID: fmt.Sprintf("o%d-m%d", i, j), Email: fmt.Sprintf("m%d@o%d.io", j, i)}, Role: "admin"})
			require.NoError(t, err)
			w.members = append(w.members, m.ID)
		}
		// Invitations to race for: each token is tried by every instance.
		for j := range 4 {
			email := fmt.Sprintf("inv%d@o%d.io", j, i)
			_, tok, err := invite.Send(ctx, s0, o.ID, owner.ID, invite.NewInvitation{Email: email, Role: "viewer"})
			require.NoError(t, err)
			w.tokens, w.emails = append(w.tokens, tok), append(w.emails, email)
		}
		worlds[i] = w
	}

	var accepted, sent atomic.Int32
	var wg sync.WaitGroup
	for i, s := range stores {
		for g := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(i), uint64(g)))
				for n := range rounds {
					w := worlds[r.IntN(orgs)]
					a, b := w.members[r.IntN(len(w.members))], w.members[r.IntN(len(w.members))]
					var err error
					switch r.IntN(6) {
					case 0, 1:
						err = member.TransferOwnership(ctx, s, w.org.ID, a, b)
					case 2:
						j := r.IntN(len(w.tokens))
						_, err = invite.Accept(ctx, s, w.tokens[j], member.NewUser{UserID: fmt.Sprintf("racer-%d-%d-%d", i, g, n), Email: w.emails[j]})
						if err == nil {
							accepted.Add(1)
						}
					case 3:
						err = member.Remove(ctx, s, w.org.ID, a, b)
					case 4:
						_, _, err = invite.Send(ctx, s, w.org.ID, a, invite.NewInvitation{Email: fmt.Sprintf("seat-%d-%d-%d@x.io", i, g, n), Role: "viewer"})
						if err == nil {
							sent.Add(1)
						}
					case 5:
						_, err = member.AddMember(ctx, s, w.org.ID, a, member.NewMember{
							NewUser: member.NewUser{UserID: fmt.Sprintf("add-%d-%d-%d", i, g, n), Email: fmt.Sprintf("add-%d-%d-%d@x.io", i, g, n)}, Role: "viewer"})
					}
					if err != nil && !refusal(err) {
						t.Errorf("instance %d: %v", i, err)
					}
				}
			}()
		}
	}
	wg.Wait()

	for _, w := range worlds {
		ms, _, err := s0.Members(ctx, w.org.ID, store.Filter{}, store.Page{Limit: 1000})
		require.NoError(t, err)
		owners, staff := 0, 0
		var owner store.ID
		for _, m := range ms {
			if m.IsOwner() {
				owners++
				owner = m.ID
				require.Equal(t, store.Active, m.Status)
			}
			if m.Kind == store.Staff {
				staff++
			}
		}
		require.Equal(t, 1, owners, "exactly one owner in %s", w.org.Name)
		pending, _, err := invite.ListPending(ctx, s0, w.org.ID, owner, store.Page{Limit: 1000})
		require.NoError(t, err)
		open := 0
		for _, p := range pending {
			if !p.Expired {
				open++
			}
		}
		require.LessOrEqual(t, staff+open, seats, "seats in %s", w.org.Name)
		evs, err := s0.Events(ctx, w.org.ID, 0, 1000)
		require.NoError(t, err)
		accepts := 0
		for i, e := range evs {
			require.Equal(t, int64(i+1), e.Seq, "the audit log of %s has no gap", w.org.Name)
			if e.Type == store.InvitationAccepted {
				accepts++
			}
		}
		invs, _, err := s0.Invitations(ctx, w.org.ID, store.InvitationFilter{Status: store.Accepted}, store.Page{Limit: 1000})
		require.NoError(t, err)
		require.Equal(t, len(invs), accepts, "one acceptance event per accepted invitation")
		for _, inv := range invs {
			m, err := s0.Member(ctx, w.org.ID, inv.Joined)
			if err == nil {
				require.Equal(t, inv.Email, m.Email)
			} else {
				require.ErrorIs(t, err, store.ErrNotFound) // removed since
			}
		}
	}
	require.LessOrEqual(t, int(accepted.Load()), orgs*4, "each token accepted at most once")
	t.Logf("%d instances: %d accepts, %d invitations sent", instances, accepted.Load(), sent.Load())
}

// refusal reports whether err is a rule's refusal rather than a failure.
func refusal(err error) bool {
	for _, e := range []error{store.ErrNotFound, member.ErrForbidden, member.ErrInactive, member.ErrOwnerProtected,
		member.ErrSelf, member.ErrEscalation, member.ErrSeatLimit, store.ErrAlreadyMember, invite.ErrAlreadyUsed,
		store.ErrAlreadyInvited} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
