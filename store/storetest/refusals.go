package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// testOnRefusal checks Env.OnRefusal: every refusal reaches it once, with
// its rule, organisation, actor, code and typed error; a change that
// commits, and a failure that is no refusal, do not.
func testOnRefusal(t *testing.T, f Factory) {
	var mu sync.Mutex
	var got []store.Refusal
	env := fixture.NewEnv(fixture.NewClock(), 43)
	env.OnRefusal = func(_ context.Context, r store.Refusal) {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
	}
	s := f(t, env)
	ctx := context.Background()
	take := func() []store.Refusal {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
	org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	require.NoError(t, err)
	viewer, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{Role: "viewer", NewUser: member.NewUser{UserID: "vic", Email: "vic@acme.io"}})
	require.NoError(t, err)
	require.Empty(t, take(), "a committed change is no refusal")

	// A rule's refusal: forbidden, by the viewer.
	_, err = member.ChangeRole(ctx, s, org.ID, viewer.ID, owner.ID, "viewer")
	require.ErrorIs(t, err, member.ErrForbidden)
	rs := take()
	require.Len(t, rs, 1)
	r := rs[0]
	require.Equal(t, "member.ChangeRole", r.Rule)
	require.Equal(t, org.ID, r.Org)
	require.Equal(t, viewer.ID, r.Actor)
	require.Equal(t, "forbidden", r.Code)
	require.Equal(t, 403, r.Status)
	require.ErrorIs(t, r.Err, member.ErrForbidden)

	// The owner's protection, by the owner on itself.
	_, err = member.Deactivate(ctx, s, org.ID, owner.ID, owner.ID)
	require.Error(t, err)
	rs = take()
	require.Len(t, rs, 1)
	require.Equal(t, "member.Deactivate", rs[0].Rule)
	require.Equal(t, owner.ID, rs[0].Actor)
	require.ErrorIs(t, rs[0].Err, err)

	// Bad input inside a rule: an unknown role.
	_, _, err = invite.Send(ctx, s, org.ID, owner.ID, invite.NewInvitation{Email: "bo@acme.io", Role: "nope"})
	require.ErrorIs(t, err, store.ErrInvalid)
	rs = take()
	require.Len(t, rs, 1)
	require.Equal(t, "invite.Send", rs[0].Rule)
	require.Equal(t, "invalid", rs[0].Code)

	// Bad input before any unit of work: a nil organisation.
	_, err = member.Deactivate(ctx, s, store.ID{}, owner.ID, viewer.ID)
	require.ErrorIs(t, err, store.ErrInvalid)
	rs = take()
	require.Len(t, rs, 1)
	require.Equal(t, "member.Deactivate", rs[0].Rule)
	require.Equal(t, store.ID{}, rs[0].Org)

	// A unit of work the host opened, refused inside.
	err = s.Update(ctx, org.ID, func(tx store.Tx) error {
		return member.RemoveTx(ctx, tx, viewer.ID, owner.ID)
	})
	require.Error(t, err)
	rs = take()
	require.Len(t, rs, 1)
	require.Equal(t, "", rs[0].Rule)
	require.Equal(t, org.ID, rs[0].Org)

	// A context's end is a failure, not a refusal.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = member.Deactivate(cctx, s, org.ID, owner.ID, viewer.ID)
	require.Error(t, err)
	require.Empty(t, take(), "a cancelled context is no refusal")

	// Nothing was written by the refusals.
	m, err := s.Member(ctx, org.ID, viewer.ID)
	require.NoError(t, err)
	require.Equal(t, store.Active, m.Status)

	// Can, denied or allowed, stays a bit test with the hook set: no
	// allocation, and no report.
	hits := 0
	allocs := testing.AllocsPerRun(100, func() {
		if m.Can(fixture.ViewProducts) {
			hits++
		}
		if m.Can(fixture.ManageBilling) {
			hits++
		}
	})
	require.Zero(t, allocs, "Can allocated")
	require.Positive(t, hits)
	require.Empty(t, take(), "a denied Can is an answer, not a refusal of a rule")
}
