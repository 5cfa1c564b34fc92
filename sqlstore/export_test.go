package sqlstore

import "context"

// MigrateTo applies the migrations up to version upTo, so that tests can
// build a database as an earlier release left it.
func MigrateTo(ctx context.Context, s *Store, upTo int) error { return s.migrate(ctx, upTo) }
