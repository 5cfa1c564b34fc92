package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// TestInTxIsolation: the rules decide on the latest committed rows whatever
// the isolation level the host began its transaction at, or InTx refuses
// the level with store.ErrInvalid (#14 item 15). Two host transactions each
// read first, which on REPEATABLE READ fixes their snapshot; then each adds
// a member to an organisation with one seat left, through InTx, one after
// the other. The second is refused with member.ErrSeatLimit (PostgreSQL
// at SERIALIZABLE may refuse it first with store.ErrConflict, a
// serialisation failure, never a raw error). Before the fix, MySQL at
// REPEATABLE READ (its default) read the second transaction's old
// snapshot: its seat count let it in, and only the audit log's sequence
// number, as stale, collided; PostgreSQL at REPEATABLE READ let both in.
func TestInTxIsolation(t *testing.T) {
	levels := []sql.IsolationLevel{sql.LevelDefault, sql.LevelReadCommitted, sql.LevelRepeatableRead, sql.LevelSerializable}
	for _, d := range []sqlstore.Dialect{sqlstore.Postgres, sqlstore.MySQL} {
		for _, level := range levels {
			t.Run(d.String()+"/"+level.String(), func(t *testing.T) {
				f := newFixture(t, d)
				ctx := context.Background()
				org, owner, err := member.CreateOrg(ctx, f.s, member.NewOrg{Name: "Seats", SeatLimit: 2, Owner: member.NewUser{UserID: "boss", Email: "boss@seats.io"}})
				require.NoError(t, err)
				// The host's own table, which each host transaction reads
				// first.
				_, err = f.db.ExecContext(ctx, `CREATE TABLE `+f.prefix+`host (id INTEGER)`)
				require.NoError(t, err)
				begin := func() *sql.Tx {
					tx, err := f.db.BeginTx(ctx, &sql.TxOptions{Isolation: level})
					require.NoError(t, err)
					t.Cleanup(func() { _ = tx.Rollback() })
					var n int
					require.NoError(t, tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+f.prefix+`host`).Scan(&n))
					return tx
				}
				add := func(tx *sql.Tx, user string) error {
					_, err := member.AddMember(ctx, f.s.InTx(tx), org.ID, owner.ID, member.NewMember{NewUser: member.NewUser{UserID: user, Email: user + "@seats.io"}, Role: "viewer"})
					if err == nil {
						err = tx.Commit()
						require.NoError(t, err, "the host's commit")
					}
					return err
				}
				h1, h2 := begin(), begin()
				err1 := add(h1, "first")
				err2 := add(h2, "second")
				if d == sqlstore.Postgres && level == sql.LevelRepeatableRead {
					// No reliable way to read the latest rows there: refused.
					require.ErrorIs(t, err1, store.ErrInvalid)
					require.ErrorIs(t, err2, store.ErrInvalid)
					require.Contains(t, err1.Error(), "REPEATABLE READ")
				} else {
					require.NoError(t, err1)
					switch {
					case d == sqlstore.Postgres && level == sql.LevelSerializable:
						// The database may refuse it first.
						if !errorsIsAny(err2, member.ErrSeatLimit, store.ErrConflict) {
							t.Fatalf("the second is refused with ErrSeatLimit or ErrConflict, not %v", err2)
						}
					default:
						require.ErrorIs(t, err2, member.ErrSeatLimit, "the second host transaction counts the seat the first took")
					}
				}
				ms, _, err := f.s.Members(ctx, org.ID, store.Filter{}, store.Page{Limit: 10})
				require.NoError(t, err)
				require.LessOrEqual(t, len(ms), 2, "members within the seat limit")
			})
		}
	}
}

func errorsIsAny(err error, targets ...error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
