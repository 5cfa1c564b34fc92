package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/store"
)

// purgeTables are the tables of an organisation's records, in the order
// Purge empties them (API keys before their members), each with a column
// that tells its rows apart within the organisation: with the organisation,
// a key of the table or the prefix of one.
var purgeTables = []struct{ table, key string }{
	{"api_keys", "id"},
	{"members", "user_id"},
	{"invitations", "id"},
	{"requests", "id"},
	{"roles", "name"},
	{"code_attempts", "user_id"},
	{"codes", "org"},
	{"partners", "id"},
}

// purgeRows is the statement that deletes up to a number of an
// organisation's rows of table, through the index that starts with the
// organisation: MySQL limits a DELETE itself (and cannot read the table it
// deletes from in a subquery), the others delete the keys a subquery
// selects. Its arguments: the organisation, twice on PostgreSQL and SQLite,
// and the limit.
func (f *flavor) purgeRows(table, key string) string {
	if f.dialect == MySQL {
		return `DELETE FROM {p}` + table + ` WHERE org = ? LIMIT ?`
	}
	return `DELETE FROM {p}` + table + ` WHERE org = ? AND ` + key + ` IN (SELECT ` + key + ` FROM {p}` + table + ` WHERE org = ? LIMIT ?)`
}

// Purge implements store.Store: one transaction, which takes the purge
// queue's oldest organisation (locking its entry, so that two purges do not
// work on one organisation at once), deletes up to limit of its rows, table
// by table, and takes it off the queue once none is left. It locks no live
// organisation's row and, on MySQL, runs at READ COMMITTED, where its
// deletes lock the rows they delete and no gap beside them: units of work on
// other organisations, inserts into the same tables among them, go on
// beside it. On SQLite, which has one writer at a time, they wait for the
// batch, as they wait for any other unit of work: the limit bounds the
// wait. On a Store from InTx it is a savepoint of the host's transaction.
func (s *Store) Purge(ctx context.Context, limit int) (int, error) {
	if limit < 1 {
		return 0, fmt.Errorf("%w: purge limit %d", store.ErrInvalid, limit)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	q, end, err := s.begin(store.WithRule(ctx, "purge"))
	if err != nil {
		return 0, err
	}
	n, err := s.purge(ctx, q, limit)
	if err := end(err); err != nil {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			// Cancelled mid-statement, database/sql answers with what it
			// was doing ("sql: statement is closed"): the cause is ctx.
			return 0, fmt.Errorf("%w (%w)", cerr, err)
		}
		return 0, err
	}
	return n, nil
}

func (s *Store) purge(ctx context.Context, q queryer, limit int) (int, error) {
	var org ID
	for tries := 0; ; tries++ {
		err := q.QueryRowContext(ctx, s.sql(`SELECT org FROM {p}purges ORDER BY deleted, org LIMIT 1`+s.f.forUpdate)).Scan(&org)
		if err == nil {
			break
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		// A locking read that waited for another purge which took its
		// organisation off the queue meanwhile finds nothing on
		// PostgreSQL: look again, for the next one.
		var one int
		err = q.QueryRowContext(ctx, s.sql(`SELECT 1 FROM {p}purges LIMIT 1`)).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) || err == nil && tries == 2 {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
	}
	id, n := s.f.id(org), 0
	defer func() {
		if s.purgeHook != nil {
			s.purgeHook(ctx, n)
		}
	}()
	for _, pt := range purgeTables {
		args := []any{id, id, limit - n}
		if s.f.dialect == MySQL {
			args = []any{id, limit - n}
		}
		res, err := q.ExecContext(ctx, s.sql(s.f.purgeRows(pt.table, pt.key)), args...)
		if err != nil {
			return 0, err
		}
		k, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		if n += int(k); n == limit {
			return n, nil
		}
	}
	// Every table gave fewer rows than it was asked for: none is left.
	if _, err := q.ExecContext(ctx, s.sql(`DELETE FROM {p}purges WHERE org = ?`), id); err != nil {
		return 0, err
	}
	return n, nil
}
