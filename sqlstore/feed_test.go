package sqlstore_test

import (
	"context"
	"testing"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// TestAdvanceTx advances a cursor in the host's own transaction: with the
// host's write it commits, and with it it rolls back.
func TestAdvanceTx(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			s, db := newStore(t, d, fixture.NewEnv(fixture.NewClock(), 5))
			table := s.Prefix() + "handled"
			_, err := db.ExecContext(ctx, `CREATE TABLE `+table+` (pos BIGINT NOT NULL)`)
			require.NoError(t, err)
			handle := func(pos int64, commit bool) {
				tx, err := db.BeginTx(ctx, nil)
				require.NoError(t, err)
				defer tx.Rollback()
				_, err = tx.ExecContext(ctx, s.Dialect().Rebind(`INSERT INTO `+table+` (pos) VALUES (?)`), pos)
				require.NoError(t, err)
				require.NoError(t, s.AdvanceTx(ctx, tx, "indexer", pos))
				if commit {
					require.NoError(t, tx.Commit())
				}
			}
			handle(4, true)
			handle(9, false)
			pos, err := s.Cursor(ctx, "indexer")
			require.NoError(t, err)
			require.Equal(t, int64(4), pos, "the rolled-back advance is gone with the host's write")
			var n int
			require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n))
			require.Equal(t, 1, n)
			handle(7, true)
			handle(6, true)
			pos, _ = s.Cursor(ctx, "indexer")
			require.Equal(t, int64(7), pos, "never back")

			tx, err := db.BeginTx(ctx, nil)
			require.NoError(t, err)
			defer tx.Rollback()
			require.ErrorIs(t, s.AdvanceTx(ctx, tx, "", 1), store.ErrInvalid)
			require.ErrorIs(t, s.AdvanceTx(ctx, tx, "indexer", -1), store.ErrInvalid)
		})
	}
}
