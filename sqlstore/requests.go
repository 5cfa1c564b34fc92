package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/store"
)

const requestCols = `id, org, user_id, email, name, perms, message, member_id, status, granted, decided_by, created, updated`

func (s *Store) scanRequest(row scanner) (store.Request, error) {
	var r store.Request
	var perms, granted, by string
	var created, updated int64
	if err := row.Scan(&r.ID, &r.Org, &r.UserID, &r.Email, &r.Name, &perms, &r.Message, &r.Member, &r.Status,
		&granted, &by, &created, &updated); err != nil {
		return store.Request{}, err
	}
	r.Perms = s.decodeSet(store.FieldPerms, perms, &r.Stale)
	r.Granted = s.decodeSet(store.FieldGranted, granted, &r.Stale)
	r.Created, r.Updated = fromMicros(created), fromMicros(updated)
	return r, parseJSON(by, &r.DecidedBy)
}

// oneRequest reads the request that where selects.
func (s *Store) oneRequest(ctx context.Context, q queryer, what, where string, args ...any) (store.Request, error) {
	return one(ctx, s, q, s.scanRequest, what, `SELECT `+requestCols+` FROM {p}requests `+where, args...)
}

// Request implements store.Tx.
func (t *tx) Request(ctx context.Context, id ID) (store.Request, error) {
	return t.s.oneRequest(ctx, t.q, "request "+id.String(), `WHERE org = ? AND id = ?`, t.id(t.org.ID), t.id(id))
}

// OpenRequest implements store.Tx.
func (t *tx) OpenRequest(ctx context.Context, user string) (store.Request, error) {
	return t.s.oneRequest(ctx, t.q, "open request of "+user, openRequestWhere(t.s.Dialect()),
		t.id(t.org.ID), user)
}

// PutRequest implements store.Tx.
func (t *tx) PutRequest(ctx context.Context, r store.Request) error {
	if r.Org != t.org.ID {
		return fmt.Errorf("%w: request does not belong to organisation %v", store.ErrInvalid, t.org.ID)
	}
	perms, err := t.s.setText(store.FieldPerms, r.Perms, r.Stale)
	if err != nil {
		return err
	}
	granted, err := t.s.setText(store.FieldGranted, r.Granted, r.Stale)
	if err != nil {
		return err
	}
	err = t.upsert(ctx, "requests", []string{"id"}, strings.Split(requestCols, ", "),
		[]any{t.id(r.ID), t.id(r.Org), r.UserID, r.Email, r.Name, perms, r.Message, t.id(r.Member), r.Status, granted,
			jsonText(r.DecidedBy), micros(r.Created), micros(r.Updated)})
	return t.s.unique(err, "request "+r.ID.String(), nil, invite.ErrAlreadyRequested)
}

// openRequestWhere selects the open request of a user, in the form the
// one-open index serves (see flavor.open and pendingWhere).
func openRequestWhere(d Dialect) string {
	return `WHERE org = ? AND ` + d.flavor().open("user_id", "open_user")
}

// Code implements store.Tx.
func (t *tx) Code(ctx context.Context) (store.Code, error) {
	var c store.Code
	var locked, updated int64
	err := t.q.QueryRowContext(ctx, t.s.sql(`SELECT org, hash, failures, locked_until, updated FROM {p}codes WHERE org = ?`),
		t.id(t.org.ID)).Scan(&c.Org, &c.Hash, &c.Failures, &locked, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Code{}, fmt.Errorf("access code: %w", store.ErrNotFound)
	}
	c.LockedUntil, c.Updated = fromMicros(locked), fromMicros(updated)
	return c, err
}

// PutCode implements store.Tx.
func (t *tx) PutCode(ctx context.Context, c store.Code) error {
	if c.Hash == "" {
		_, err := t.exec(ctx, `DELETE FROM {p}codes WHERE org = ?`, t.id(t.org.ID))
		return err
	}
	return t.upsert(ctx, "codes", []string{"org"}, []string{"org", "hash", "failures", "locked_until", "updated"},
		[]any{t.id(t.org.ID), c.Hash, c.Failures, micros(c.LockedUntil), micros(c.Updated)})
}

// CodeAttempt implements store.Tx.
func (t *tx) CodeAttempt(ctx context.Context, user string) (store.CodeAttempt, error) {
	a := store.CodeAttempt{UserID: user}
	var locked, updated int64
	err := t.q.QueryRowContext(ctx, t.s.sql(`SELECT org, failures, locked_until, updated FROM {p}code_attempts WHERE org = ? AND user_id = ?`),
		t.id(t.org.ID), user).Scan(&a.Org, &a.Failures, &locked, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return store.CodeAttempt{}, fmt.Errorf("access code attempts of %q: %w", user, store.ErrNotFound)
	}
	a.LockedUntil, a.Updated = fromMicros(locked), fromMicros(updated)
	return a, err
}

// PutCodeAttempt implements store.Tx.
func (t *tx) PutCodeAttempt(ctx context.Context, a store.CodeAttempt) error {
	if a.Failures == 0 && a.LockedUntil.IsZero() {
		_, err := t.exec(ctx, `DELETE FROM {p}code_attempts WHERE org = ? AND user_id = ?`, t.id(t.org.ID), a.UserID)
		return err
	}
	return t.upsert(ctx, "code_attempts", []string{"org", "user_id"}, []string{"org", "user_id", "failures", "locked_until", "updated"},
		[]any{t.id(t.org.ID), a.UserID, a.Failures, micros(a.LockedUntil), micros(a.Updated)})
}

// ClearCodeAttempts implements store.Tx.
func (t *tx) ClearCodeAttempts(ctx context.Context) error {
	_, err := t.exec(ctx, `DELETE FROM {p}code_attempts WHERE org = ?`, t.id(t.org.ID))
	return err
}

// Request implements store.Store.
func (s *Store) Request(ctx context.Context, org, id ID) (store.Request, error) {
	return s.oneRequest(ctx, s.reader(), "request "+id.String(), `WHERE org = ? AND id = ?`+liveOrg("{p}requests"), s.f.id(org), s.f.id(id))
}

// Requests implements store.Store.
func (s *Store) Requests(ctx context.Context, org ID, st store.RequestStatus, p store.Page) ([]store.Request, string, error) {
	q := `SELECT ` + requestCols + ` FROM {p}requests WHERE org = ?` + liveOrg("{p}requests")
	args := []any{s.f.id(org)}
	if st != 0 {
		q += ` AND status = ?`
		args = append(args, st)
	}
	return page(ctx, s, p, q, "id", args, s.scanRequest, func(r store.Request) ID { return r.ID })
}
