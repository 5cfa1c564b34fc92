package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// TestDeadlineAcrossStores is storetest's DeadlineWhileBusy across two
// stores on one database, each with a pool of its own, as two processes
// sharing it have: while one holds the organisation, the other's rule with
// a 300 ms deadline returns the deadline's error promptly, having written
// nothing. On SQLite the second waits for the database's write lock, not
// for the first store's writer channel.
func TestDeadlineAcrossStores(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			f := newFixture(t, d)
			other, err := sqlstore.New(openDB(t, d), d, fixture.NewEnv(f.clock, 2), sqlstore.Options{Prefix: f.prefix})
			require.NoError(t, err)
			ctx := context.Background()
			before := f.snapshot(t)
			held, release := make(chan struct{}), make(chan struct{})
			done := make(chan error, 1)
			go func() {
				done <- f.s.Update(ctx, f.org.ID, func(tx store.Tx) error {
					close(held)
					select {
					case <-release:
					case <-time.After(10 * time.Second):
					}
					return nil
				})
			}()
			<-held
			const deadline = 300 * time.Millisecond
			c, cancel := context.WithTimeout(ctx, deadline)
			defer cancel()
			start := time.Now()
			_, err = member.ChangeRole(c, other, f.org.ID, f.owner.ID, f.editor.ID, "viewer")
			waited := time.Since(start)
			close(release)
			require.NoError(t, <-done)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			// Promptly: the deadline plus a margin for a loaded machine,
			// far below the 10 s the first unit of work could hold the
			// organisation (and SQLiteDSN's busy timeout).
			require.Less(t, waited, deadline+time.Second, "waited %v past a %v deadline", waited, deadline)
			require.Equal(t, before, f.snapshot(t), "nothing was written")
			// The other store works once the organisation is free.
			_, err = member.ChangeRole(ctx, other, f.org.ID, f.owner.ID, f.editor.ID, "viewer")
			require.NoError(t, err, fmt.Sprint(d))
		})
	}
}

// dbNow reads the database's clock, in UTC.
func dbNow(t *testing.T, db *sql.DB, d sqlstore.Dialect) time.Time {
	t.Helper()
	q := map[sqlstore.Dialect]string{
		sqlstore.Postgres: `SELECT floor(extract(epoch FROM clock_timestamp()) * 1000000)::bigint`,
		sqlstore.MySQL:    `SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6))`,
	}[d]
	var us int64
	require.NoError(t, db.QueryRow(q).Scan(&us))
	return time.UnixMicro(us).UTC()
}

// skewed is an environment whose clock is off the real time by d.
func skewed(d time.Duration, seed uint64) store.Env {
	env := fixture.NewEnv(fixture.NewClock(), seed)
	env.Now = func() time.Time { return time.Now().Add(d) }
	return env
}

// TestDatabaseClock stands for two instances of a host sharing one
// database whose clocks are four minutes apart, both deciding by the
// database's clock (#14 item 8): an invitation that has expired by the
// database's clock frees its seat for a member added through the instance
// ahead, and cannot then be accepted through the instance behind, which
// would have taken the organisation past its seat limit; what they write
// is stamped with the database's time.
func TestDatabaseClock(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.Postgres, sqlstore.MySQL} {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			prefix := fmt.Sprintf("dc%d_", prefixes.Add(1))
			instance := func(skew time.Duration, seed uint64) (*sqlstore.Store, *sql.DB) {
				db := openDB(t, d)
				s, err := sqlstore.New(db, d, skewed(skew, seed), sqlstore.Options{Prefix: prefix, Clock: sqlstore.DatabaseClock})
				require.NoError(t, err)
				require.NoError(t, s.Migrate(ctx))
				return s, db
			}
			ahead, db := instance(2*time.Minute, 1)
			behind, _ := instance(-2*time.Minute, 2)

			o, owner, err := member.CreateOrg(ctx, ahead, member.NewOrg{Name: "Acme", SeatLimit: 2,
				Owner: member.NewUser{UserID: "owner", Email: "owner@acme.io"}})
			require.NoError(t, err)
			inv, token, err := invite.Send(ctx, ahead, o.ID, owner.ID, invite.NewInvitation{Email: "ivy@acme.io", Role: "viewer"})
			require.NoError(t, err)
			// The invitation expires a second ago by the database's clock:
			// a minute ahead of the instance behind.
			expires := dbNow(t, db, d).Add(-time.Second)
			require.NoError(t, ahead.Update(ctx, o.ID, func(tx store.Tx) error {
				i, err := tx.Invitation(ctx, inv.ID)
				if err != nil {
					return err
				}
				i.Expires = expires
				return tx.PutInvitation(ctx, i)
			}))

			// Its seat is free: the member added through the instance ahead
			// takes it, and is stamped with the database's time.
			start := dbNow(t, db, d)
			m, err := member.AddMember(ctx, ahead, o.ID, owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "max", Email: "max@acme.io"}, Role: "viewer"})
			require.NoError(t, err)
			end := dbNow(t, db, d)
			require.False(t, m.Created.Before(start) || m.Created.After(end), "created %v, by the database between %v and %v", m.Created, start, end)

			// The instance behind cannot accept the expired invitation.
			_, err = invite.Accept(ctx, behind, token, invite.Invitee{UserID: "ivy", Email: "ivy@acme.io"})
			require.ErrorIs(t, err, invite.ErrExpired)
			ms, _, err := behind.Members(ctx, o.ID, store.Filter{}, store.Page{Limit: 10})
			require.NoError(t, err)
			require.Len(t, ms, 2, "the seat limit holds")
		})
	}
}

// TestTxNowIsTheDatabases checks that a unit of work's time is the
// database's clock, read once the organisation's lock is taken: between
// two readings of the clock around it, whatever the host's clock says, and
// after the time of a unit of work that held the organisation while it
// waited (on PostgreSQL, clock_timestamp() in the locking statement's own
// select list would be read before the wait).
func TestTxNowIsTheDatabases(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.Postgres, sqlstore.MySQL} {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			prefix := fmt.Sprintf("dn%d_", prefixes.Add(1))
			// The first leaves Env.Now nil, and so reads the database's
			// clock by default; the second's host clock is an hour ahead,
			// and it is told to read the database's.
			plain := fixture.NewEnv(fixture.NewClock(), 1)
			plain.Now = nil
			envs := []store.Env{plain, skewed(time.Hour, 2)}
			clocks := []sqlstore.Clock{sqlstore.DefaultClock, sqlstore.DatabaseClock}
			var stores [2]*sqlstore.Store
			var db *sql.DB
			for i := range stores {
				db = openDB(t, d)
				s, err := sqlstore.New(db, d, envs[i], sqlstore.Options{Prefix: prefix, Clock: clocks[i]})
				require.NoError(t, err)
				require.NoError(t, s.Migrate(ctx))
				stores[i] = s
			}
			o, _, err := member.CreateOrg(ctx, stores[0], member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "owner", Email: "owner@acme.io"}})
			require.NoError(t, err)

			before := dbNow(t, db, d)
			var now, again time.Time
			require.NoError(t, stores[1].Update(ctx, o.ID, func(tx store.Tx) error {
				now = tx.Now()
				again = tx.Now()
				return nil
			}))
			after := dbNow(t, db, d)
			require.False(t, now.Before(before) || now.After(after), "tx.Now %v, by the database between %v and %v", now, before, after)
			require.Equal(t, now, again, "one time for the unit of work")
			require.Equal(t, time.UTC, now.Location())

			// A unit of work that waits for the organisation takes its time
			// after the wait.
			const hold = 300 * time.Millisecond
			held, done := make(chan time.Time), make(chan error, 1)
			go func() {
				done <- stores[0].Update(ctx, o.ID, func(tx store.Tx) error {
					held <- tx.Now()
					time.Sleep(hold)
					return nil
				})
			}()
			first := <-held
			var second time.Time
			require.NoError(t, stores[1].Update(ctx, o.ID, func(tx store.Tx) error {
				second = tx.Now()
				return nil
			}))
			require.NoError(t, <-done)
			require.GreaterOrEqual(t, second.Sub(first), hold, "read before the lock was taken")
		})
	}
}
