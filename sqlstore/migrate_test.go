package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
)

// TestUpgrade builds a database as each earlier schema version left it,
// with an organisation, members, an API key and audit events in it, then
// migrates to the latest version: everything is still there and behaves,
// including the constraints and the keys' cascade on removal.
func TestUpgrade(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			env := fixture.NewEnv(fixture.NewClock(), 3)
			probe, err := sqlstore.New(openDB(t, d), d, env, sqlstore.Options{Prefix: fmt.Sprintf("v%d_", prefixes.Add(1))})
			require.NoError(t, err)
			applied, known, err := probe.Version(ctx)
			require.NoError(t, err)
			require.Zero(t, applied)
			versions, err := sqlstore.Versions(probe)
			require.NoError(t, err)
			require.Equal(t, known, versions[len(versions)-1])
			for _, from := range versions[:len(versions)-1] {
				t.Run(fmt.Sprintf("from-%d", from), func(t *testing.T) { upgrade(t, d, env, from) })
			}
		})
	}
}

func upgrade(t *testing.T, d sqlstore.Dialect, env store.Env, from int) {
	ctx := context.Background()
	s, err := sqlstore.New(openDB(t, d), d, env, sqlstore.Options{Prefix: fmt.Sprintf("v%d_", prefixes.Add(1))})
	require.NoError(t, err)
	require.NoError(t, sqlstore.MigrateTo(ctx, s, from))
	applied, _, err := s.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, from, applied)

	org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "owner", Email: "owner@acme.io"}})
	require.NoError(t, err)
	var added []store.Member
	for i := range 3 {
		m, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{
			NewUser: member.NewUser{UserID: fmt.Sprint("u", i), Email: fmt.Sprintf("u%d@acme.io", i)}, Role: "editor"})
		require.NoError(t, err)
		added = append(added, m)
	}
	_, secret, err := member.IssueKey(ctx, s, org.ID, owner.ID, added[0].ID, "ci")
	require.NoError(t, err)
	before, err := s.Events(ctx, org.ID, 0, 0)
	require.NoError(t, err)

	require.NoError(t, s.Migrate(ctx))
	applied, known, err := s.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, known, applied)

	after, err := s.Events(ctx, org.ID, 0, 0)
	require.NoError(t, err)
	require.Equal(t, before, after, "the audit log survives the upgrade")
	for _, m := range append([]store.Member{owner}, added...) {
		got, err := s.MemberByUser(ctx, org.ID, m.UserID)
		require.NoError(t, err)
		require.Equal(t, m, got)
	}
	km, _, err := member.Authenticate(ctx, s, secret)
	require.NoError(t, err, "the API key survives the upgrade")
	require.Equal(t, added[0].ID, km.ID)

	// The constraints hold on the new tables, and the rules still run.
	_, err = member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "u1", Email: "other@acme.io"}, Role: "editor"})
	require.ErrorIs(t, err, store.ErrAlreadyMember)
	_, err = member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "other", Email: "u2@acme.io"}, Role: "editor"})
	require.ErrorIs(t, err, store.ErrAlreadyMember)
	require.NoError(t, member.Remove(ctx, s, org.ID, owner.ID, added[0].ID))
	_, _, err = member.Authenticate(ctx, s, secret)
	require.Error(t, err, "a removed member's key stops: the cascade survives the upgrade")
	evs, err := s.Events(ctx, org.ID, int64(len(after)), 0)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, int64(len(after)+1), evs[0].Seq)
}
