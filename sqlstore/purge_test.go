package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// insertMembers inserts n editors into org with plain SQL, in statements
// of 500 rows, and counts them on the organisation: the rules would take
// minutes. Their IDs start with 0x03 and do not meet memberID's.
func insertMembers(t testing.TB, db *sql.DB, s *sqlstore.Store, org store.ID, n int) {
	t.Helper()
	insertMembersWith(t, db, s, org, n, func(i int) store.ID {
		id := memberID(i)
		id[0] = 0x03
		return id
	}, func(int) (string, store.Status, store.Kind) { return "editor", store.Active, store.Staff })
}

// insertMembersWith is insertMembers with the ID that idOf gives member i,
// and the role, status and kind that each gives it.
func insertMembersWith(t testing.TB, db *sql.DB, s *sqlstore.Store, org store.ID, n int, idOf func(i int) store.ID, each func(i int) (string, store.Status, store.Kind)) {
	t.Helper()
	d := s.Dialect()
	staff := 0
	for from := 0; from < n; from += 500 {
		var rows []string
		var args []any
		for i := from; i < min(from+500, n); i++ {
			mid := idOf(i)
			role, status, kind := each(i)
			if kind == store.Staff {
				staff++
			}
			rows = append(rows, "(?, ?, ?, ?, '', ?, '', '', '', ?, ?, 0, '{}', 0, 0)")
			args = append(args, dialectID(d, mid), dialectID(d, org), fmt.Sprintf("u%x", mid[:]), fmt.Sprintf("u%x@big.io", mid[:]), role, int(status), int(kind))
		}
		_, err := db.Exec(d.Rebind(`INSERT INTO `+s.Prefix()+`members (id, org, user_id, email, name, role, allow, deny, scopes, status, kind, is_owner, profile, created, updated) VALUES `+strings.Join(rows, ", ")), args...)
		require.NoError(t, err)
	}
	_, err := db.Exec(d.Rebind(`UPDATE `+s.Prefix()+`orgs SET staff = staff + ? WHERE id = ?`), staff, dialectID(d, org))
	require.NoError(t, err)
}

// bigID is the ID insertMembers gives member i.
func bigID(i int) []byte {
	id := memberID(i)
	id[0] = 0x03
	return id[:]
}

func leftoversOf(t *testing.T, s *sqlstore.Store, org store.ID) int {
	t.Helper()
	n, err := sqlstore.Leftovers(context.Background(), s, org)
	require.NoError(t, err)
	return n
}

// TestPurgeLargeOrg deletes an organisation of 20,000 members on each
// dialect. The tombstone's unit of work removes no row; PurgeAll removes
// them in batches of at most 1,000 rows, each a transaction of its own,
// and leaves nothing, nor the organisation in the purge queue. On
// PostgreSQL and MySQL, while the first batch is held open before its
// commit, with its rows deleted and locked, units of work on other
// organisations complete within a deadline: a member added to the same
// table, a role changed, another organisation deleted (queued beside the
// one being purged), a read. A batch that locked them out would hold them
// until the deadline, and fail the test. On SQLite, one writer at a time,
// they would wait for the batch, as for any unit of work: the limit is
// that wait's bound.
func TestPurgeLargeOrg(t *testing.T) {
	const members, limit = 20_000, 1_000
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			s, db := newStore(t, d, fixture.NewEnv(fixture.NewClock(), 5))
			newOrg := func(name string) (store.Org, store.Member) {
				o, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: name, Owner: member.NewUser{UserID: name + "-owner", Email: name + "@owner.io"}})
				require.NoError(t, err)
				return o, owner
			}
			big, bigOwner := newOrg("big")
			insertMembers(t, db, s, big.ID, members)
			other, otherOwner := newOrg("other")
			third, thirdOwner := newOrg("third")
			m, err := member.AddMember(ctx, s, other.ID, otherOwner.ID, member.NewMember{NewUser: member.NewUser{UserID: "m", Email: "m@other.io"}, Role: "viewer"})
			require.NoError(t, err)
			before := leftoversOf(t, s, big.ID)
			require.Equal(t, members+1, before)

			require.NoError(t, member.DeleteOrg(ctx, s, big.ID, bigOwner.ID))
			require.Equal(t, before, leftoversOf(t, s, big.ID), "the tombstone removes no row")
			_, err = s.MemberByUser(ctx, big.ID, fmt.Sprintf("u%x", bigID(7)))
			require.ErrorIs(t, err, store.ErrNotFound)

			var batches []int // written by the one purge, read once it returned
			paused, release := make(chan struct{}), make(chan struct{})
			var once, released sync.Once
			free := func() { released.Do(func() { close(release) }) }
			t.Cleanup(free) // before the store's: a failed test must not leave the batch open
			sqlstore.SetPurgeHook(s, func(_ context.Context, deleted int) {
				batches = append(batches, deleted)
				if d != sqlstore.SQLite {
					once.Do(func() { close(paused); <-release })
				}
			})
			type result struct {
				n   int
				err error
			}
			done := make(chan result, 1)
			go func() {
				n, err := store.PurgeAll(ctx, s, limit)
				done <- result{n, err}
			}()
			if d != sqlstore.SQLite {
				<-paused
				wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				_, err := member.AddMember(wctx, s, other.ID, otherOwner.ID, member.NewMember{NewUser: member.NewUser{UserID: "n", Email: "n@other.io"}, Role: "viewer"})
				require.NoError(t, err, "a member added to another organisation while a batch is open")
				_, err = member.ChangeRole(wctx, s, other.ID, otherOwner.ID, m.ID, "editor")
				require.NoError(t, err)
				require.NoError(t, member.DeleteOrg(wctx, s, third.ID, thirdOwner.ID), "another tombstone while a batch is open")
				_, err = s.MemberByUser(wctx, other.ID, "n")
				require.NoError(t, err)
				cancel()
				free()
			}
			r := <-done
			require.NoError(t, r.err)
			require.Zero(t, leftoversOf(t, s, big.ID))
			if d != sqlstore.SQLite {
				require.Zero(t, leftoversOf(t, s, third.ID))
			}
			queued, err := sqlstore.Queued(ctx, s)
			require.NoError(t, err)
			require.Zero(t, queued)
			require.GreaterOrEqual(t, r.n, before)
			require.GreaterOrEqual(t, len(batches), before/limit)
			for _, k := range batches {
				require.LessOrEqual(t, k, limit, "a batch is at most the limit")
			}
			ms, _, err := s.Members(ctx, other.ID, store.Filter{}, store.Page{})
			require.NoError(t, err)
			require.Len(t, ms, 2+btoi(d != sqlstore.SQLite), "the other organisation keeps its members")
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestPurgeKilled kills the PostgreSQL backend of a purge's batch before it
// commits: the batch deletes nothing, the organisation stays queued and as
// gone as before, and the next purge finishes it.
func TestPurgeKilled(t *testing.T) {
	requireDB(t, sqlstore.Postgres)
	ctx := context.Background()
	s, db := newStore(t, sqlstore.Postgres, fixture.NewEnv(fixture.NewClock(), 6))
	big, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "big", Owner: member.NewUser{UserID: "owner", Email: "owner@big.io"}})
	require.NoError(t, err)
	insertMembers(t, db, s, big.ID, 3_000)
	require.NoError(t, member.DeleteOrg(ctx, s, big.ID, owner.ID))
	before := leftoversOf(t, s, big.ID)

	admin := openDB(t, sqlstore.Postgres)
	killed := 0
	sqlstore.SetPurgeHook(s, func(ctx context.Context, deleted int) {
		require.Equal(t, 1_000, deleted)
		rows, err := admin.QueryContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE state = 'idle in transaction' AND pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'`, s.Prefix())
		require.NoError(t, err)
		for rows.Next() {
			killed++
		}
		rows.Close()
	})
	n, err := s.Purge(ctx, 1_000)
	require.Equal(t, 1, killed, "the test must find and kill exactly the batch's backend")
	require.Error(t, err, "the batch fails when its connection dies")
	require.Zero(t, n)
	require.Equal(t, before, leftoversOf(t, s, big.ID), "a killed batch deletes nothing")
	queued, err := sqlstore.Queued(ctx, s)
	require.NoError(t, err)
	require.Equal(t, 1, queued)
	_, err = s.MemberByUser(ctx, big.ID, fmt.Sprintf("u%x", bigID(1)))
	require.ErrorIs(t, err, store.ErrNotFound)

	sqlstore.SetPurgeHook(s, nil)
	n, err = store.PurgeAll(ctx, s, 1_000)
	require.NoError(t, err)
	require.Equal(t, before, n)
	require.Zero(t, leftoversOf(t, s, big.ID))
	queued, err = sqlstore.Queued(ctx, s)
	require.NoError(t, err)
	require.Zero(t, queued)
}
