package sqlstore

import "context"

// MigrateTo applies the migrations up to version upTo, so that tests can
// build a database as an earlier release left it.
func MigrateTo(ctx context.Context, s *Store, upTo int) error { return s.migrate(ctx, upTo) }

// OpenLookups are the statements that find open rows by the one-open
// indexes (the pending invitation of an e-mail, the open request of a user,
// the pending invitations a seat count reads), in the store's query form,
// each with the name of the index that should serve it.
func OpenLookups(d Dialect) map[string]string {
	return map[string]string{
		`SELECT id FROM {p}invitations WHERE org = ? AND kind = ? AND ` + d.open("email", "pending_email"):                      "invitations_one_pending",
		`SELECT id FROM {p}requests WHERE org = ? AND ` + d.open("user_id", "open_user"):                                        "requests_one_open",
		`SELECT COUNT(*) FROM {p}invitations WHERE org = ? AND kind = ? AND ` + d.anyOpen("pending_email") + ` AND expires > ?`: "invitations_one_pending",
	}
}
