package sqlstore

import "context"

// MigrateTo applies the migrations up to version upTo, so that tests can
// build a database as an earlier release left it.
func MigrateTo(ctx context.Context, s *Store, upTo int) error { return s.migrate(ctx, upTo) }

// OpenLookups are the statements that the one-open indexes serve, as the
// store runs them (in its query form), each with the name of that index.
func OpenLookups(d Dialect) map[string]string {
	return map[string]string{
		`SELECT id FROM {p}invitations ` + pendingWhere(d):  "invitations_one_pending",
		`SELECT id FROM {p}requests ` + openRequestWhere(d): "requests_one_open",
		pendingSeats(d): "invitations_one_pending",
	}
}

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
