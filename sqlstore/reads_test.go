package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// statements is a pgx query tracer that keeps the SQL it is sent.
type statements struct {
	mu  sync.Mutex
	sql []string
}

func (s *statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s.mu.Lock()
	s.sql = append(s.sql, d.SQL)
	s.mu.Unlock()
	return ctx
}

func (s *statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (s *statements) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.sql
	s.sql = nil
	return out
}

// TestUserOrgsOneQuery: an organisation switcher's page, the user's
// memberships with their organisations, is one statement on PostgreSQL,
// whatever the number of organisations (no query per organisation).
func TestUserOrgsOneQuery(t *testing.T) {
	requireDB(t, sqlstore.Postgres)
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(dsns[sqlstore.Postgres])
	require.NoError(t, err)
	tr := &statements{}
	cfg.Tracer = tr
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { db.Close() })
	s, err := sqlstore.New(db, sqlstore.Postgres, fixture.NewEnv(fixture.NewClock(), 7), sqlstore.Options{Prefix: fmt.Sprintf("uo%d_", prefixes.Add(1))})
	require.NoError(t, err)
	require.NoError(t, s.Migrate(ctx))
	const n = 12
	names := map[store.ID]string{}
	for i := range n {
		o, _, err := member.CreateOrg(ctx, s, member.NewOrg{Name: fmt.Sprint("Org ", i),
			Owner: member.NewUser{UserID: "olga", Email: "olga@acme.io"}})
		require.NoError(t, err)
		names[o.ID] = o.Name
	}
	tr.take()
	ms, next, err := s.UserOrgs(ctx, "olga", store.Page{Limit: n})
	require.NoError(t, err)
	require.Empty(t, next)
	require.Len(t, ms, n)
	for _, m := range ms {
		require.Equal(t, names[m.Org.ID], m.Org.Name)
		require.True(t, m.Member.IsOwner())
	}
	sent := tr.take()
	require.Len(t, sent, 1, "one statement for a page of %d organisations: %q", n, sent)
	require.Contains(t, strings.ToLower(sent[0]), "join")

	// A page at a time: one statement a page.
	_, next, err = s.UserOrgs(ctx, "olga", store.Page{Limit: 5})
	require.NoError(t, err)
	_, _, err = s.UserOrgs(ctx, "olga", store.Page{Limit: 5, After: next})
	require.NoError(t, err)
	require.Len(t, tr.take(), 2)
}

// TestListPendingByDatabaseClock: with the database's clock, the pending
// list judges expiry as the rules do, by the database's time, and not by
// the host's: through an instance whose clock is two minutes behind, an
// invitation that expired a second ago by the database is expired, as an
// accept through it finds it.
func TestListPendingByDatabaseClock(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.Postgres, sqlstore.MySQL} {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			db := openDB(t, d)
			behind, err := sqlstore.New(db, d, skewed(-2*time.Minute, 3), sqlstore.Options{
				Prefix: fmt.Sprintf("lp%d_", prefixes.Add(1)), Clock: sqlstore.DatabaseClock})
			require.NoError(t, err)
			require.NoError(t, behind.Migrate(ctx))
			o, owner, err := member.CreateOrg(ctx, behind, member.NewOrg{Name: "Acme",
				Owner: member.NewUser{UserID: "owner", Email: "owner@acme.io"}})
			require.NoError(t, err)
			inv, token, err := invite.Send(ctx, behind, o.ID, owner.ID, invite.NewInvitation{Email: "ivy@acme.io", Role: "viewer"})
			require.NoError(t, err)
			expires := dbNow(t, db, d).Add(-time.Second)
			require.NoError(t, behind.Update(ctx, o.ID, func(tx store.Tx) error {
				i, err := tx.Invitation(ctx, inv.ID)
				if err != nil {
					return err
				}
				i.Expires = expires
				return tx.PutInvitation(ctx, i)
			}))

			now, err := behind.Now(ctx)
			require.NoError(t, err)
			require.WithinDuration(t, dbNow(t, db, d), now, 30*time.Second, "the database's clock, not the host's")
			pending, _, err := invite.ListPending(ctx, behind, o.ID, owner.ID, store.Page{})
			require.NoError(t, err)
			require.Len(t, pending, 1)
			require.True(t, pending[0].Expired, "expired by the database's clock, a minute ahead of the host's")
			_, err = invite.Accept(ctx, behind, token, invite.Invitee{UserID: "ivy", Email: "ivy@acme.io"})
			require.ErrorIs(t, err, invite.ErrExpired, "as the accept judges it")
		})
	}
}
