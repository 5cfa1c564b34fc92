package sqlstore

import (
	"context"

	"github.com/rosterhq/roster/store"
)

// MigrateTo applies the migrations up to version upTo, so that tests can
// build a database as an earlier release left it.
func MigrateTo(ctx context.Context, s *Store, upTo int) error { return s.migrate(ctx, upTo) }

// OpenLookups are the statements that the one-open indexes and the
// partial indexes of pending invitations by expiry and in order serve, as
// the store runs them (in its query form), each with the name of that
// index.
func OpenLookups(d Dialect) map[string]string {
	return map[string]string{
		`SELECT id FROM {p}invitations ` + pendingWhere(d):  "invitations_one_pending",
		`SELECT id FROM {p}requests ` + openRequestWhere(d): "requests_one_open",
		lapsedSeats:    "invitations_seats",
		pendingPage(d): "invitations_pending",
	}
}

// pendingPage is a page of the pending list after a cursor, as the store
// queries it.
func pendingPage(d Dialect) string {
	s := &Store{f: d.flavor()}
	q, _ := s.invitationsQuery(ID{}, store.InvitationFilter{Status: store.Pending})
	return q + pageTail("id", 6)
}

// PendingOfRole is RoleInUse's lookup of the pending invitations of a
// role, served by invitations_role.
const PendingOfRole = `SELECT 1 FROM {p}invitations WHERE org = ? AND role = ? AND status = 1`

// RoleInUseQuery is RoleInUse's statement.
const RoleInUseQuery = roleInUse

// CacheStats returns the request cache's misses and entries.
func CacheStats(s *Store) (misses int64, entries int) {
	c := s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.misses.Load(), c.n
}

// MigrationVersions are the versions of the store's embedded migrations, in
// order (a dialect's numbers may have gaps).
func MigrationVersions(s *Store) ([]int, error) {
	all, err := s.loadMigrations()
	var out []int
	for _, m := range all {
		out = append(out, m.version)
	}
	return out, err
}

// Leftovers counts the rows s keeps of org in the tables of its records,
// deleted or not (storetest.Leftovers).
func Leftovers(ctx context.Context, s *Store, org ID) (int, error) {
	n := 0
	for _, pt := range purgeTables {
		var k int
		if err := s.db.QueryRowContext(ctx, s.sql(`SELECT COUNT(*) FROM {p}`+pt.table+` WHERE org = ?`), s.f.id(org)).Scan(&k); err != nil {
			return 0, err
		}
		n += k
	}
	return n, nil
}

// Queued counts the organisations in s's purge queue.
func Queued(ctx context.Context, s *Store) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.sql(`SELECT COUNT(*) FROM {p}purges`)).Scan(&n)
	return n, err
}

// SetPurgeHook sets the function each batch of s.Purge calls before it
// commits, with the rows it deleted.
func SetPurgeHook(s *Store, hook func(ctx context.Context, deleted int)) { s.purgeHook = hook }

// MembersPage is the statement, in the store's dialect, and the arguments
// with which Members reads limit members of org that pass f after the
// member after.
func MembersPage(s *Store, org ID, f store.Filter, after ID, limit int) (string, []any) {
	q, args := s.membersQuery(org, f)
	return s.sql(q + pageTail("m.id", limit+1)), append(args, s.f.id(after))
}
