package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/store"
)

func (s *Store) scanRole(row scanner) (store.Role, error) {
	var r store.Role
	var perms string
	var created, updated int64
	if err := row.Scan(&r.Org, &r.Name, &r.Label, &perms, &created, &updated); err != nil {
		return store.Role{}, err
	}
	r.Perms = s.decodeSet(store.FieldPerms, perms, &r.Stale)
	r.Created, r.Updated = fromMicros(created), fromMicros(updated)
	return r, nil
}

func (s *Store) role(ctx context.Context, q queryer, org ID, name string) (store.Role, error) {
	r, err := s.scanRole(q.QueryRowContext(ctx, s.sql(`SELECT org, name, label, perms, created, updated FROM {p}roles WHERE org = ? AND name = ?`),
		s.f.id(org), name))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Role{}, fmt.Errorf("role %q: %w", name, store.ErrNotFound)
	}
	return r, err
}

// Role implements store.Tx.
func (t *tx) Role(ctx context.Context, name string) (store.Role, error) {
	return t.s.role(ctx, t.q, t.org.ID, name)
}

// PutRole implements store.Tx.
func (t *tx) PutRole(ctx context.Context, r store.Role) error {
	if r.Org != t.org.ID {
		return fmt.Errorf("%w: role %q does not belong to organisation %v", store.ErrInvalid, r.Name, t.org.ID)
	}
	perms, err := t.s.setText(store.FieldPerms, r.Perms, r.Stale)
	if err != nil {
		return err
	}
	return t.upsert(ctx, "roles", []string{"org", "name"}, []string{"org", "name", "label", "perms", "created", "updated"},
		[]any{t.id(r.Org), r.Name, r.Label, perms, micros(r.Created), micros(r.Updated)})
}

// DeleteRole implements store.Tx.
func (t *tx) DeleteRole(ctx context.Context, name string) error {
	return t.deleted(t.exec(ctx, `DELETE FROM {p}roles WHERE org = ? AND name = ?`, t.id(t.org.ID), name))("role " + name)
}

// RoleInUse implements store.Tx.
func (t *tx) RoleInUse(ctx context.Context, name string) (bool, error) {
	// Three indexed EXISTS (members_role; invitations_role, over the
	// pending invitations of the role alone; partners_level): each reads
	// at most one row, whatever the organisation's size.
	var n int
	id := t.id(t.org.ID)
	err := t.q.QueryRowContext(ctx, t.s.sql(roleInUse), id, name, id, name, id, name).Scan(&n)
	return n > 0, err
}

// roleInUse is RoleInUse's statement. The pending status (store.Pending)
// is written out, not a parameter, for PostgreSQL's generic plan to use the
// partial index invitations_role.
const roleInUse = `SELECT
	CASE WHEN EXISTS (SELECT 1 FROM {p}members WHERE org = ? AND role = ?)
	OR EXISTS (SELECT 1 FROM {p}invitations WHERE org = ? AND role = ? AND status = 1)
	OR EXISTS (SELECT 1 FROM {p}partners WHERE org = ? AND level = ?) THEN 1 ELSE 0 END`

// Roles implements store.Store.
func (s *Store) Roles(ctx context.Context, org ID, p store.Page) ([]store.Role, string, error) {
	return pageNames(ctx, s, p, `SELECT org, name, label, perms, created, updated FROM {p}roles WHERE org = ?`+liveOrg("{p}roles"), "name",
		[]any{s.f.id(org)}, s.scanRole, func(r store.Role) string { return r.Name })
}

// CountRoles implements store.Tx.
func (t *tx) CountRoles(ctx context.Context) (int, error) {
	var n int
	err := t.q.QueryRowContext(ctx, t.s.sql(`SELECT COUNT(*) FROM {p}roles WHERE org = ?`), t.id(t.org.ID)).Scan(&n)
	return n, err
}
