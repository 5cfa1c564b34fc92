package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/store"
)

var _ store.Tx = (*tx)(nil)

// tx is a unit of work on one organisation, inside a database transaction
// that holds the organisation's row lock.
type tx struct {
	s   *Store
	q   queryer // raw, or on PostgreSQL flushing{this tx}
	raw queryer // the database transaction
	b   *batch  // the held writes, on PostgreSQL
	org store.Org
	seq int64 // the last sequence number of the audit log; -1 until read

	// The members and invitations read or written in this unit of work, as
	// the database holds them: writing one of them again updates only the
	// columns that changed, which touches fewer indexes than replacing the
	// row.
	members map[ID]store.Member
	invs    map[ID]store.Invitation
	// locked is the invitation that lockByToken read with the
	// organisation's lock, for UpdateByToken to hand its function.
	locked store.Invitation
}

// sawMember records m as read, when err is nil.
func (t *tx) sawMember(m store.Member, err error) (store.Member, error) {
	if err == nil {
		remember(&t.members, m.ID, m)
	}
	return m, err
}

// sawInvitation records i as read, when err is nil.
func (t *tx) sawInvitation(i store.Invitation, err error) (store.Invitation, error) {
	if err == nil {
		remember(&t.invs, i.ID, i)
	}
	return i, err
}

// remember records v as the row with id, as the database holds it.
func remember[T any](seen *map[ID]T, id ID, v T) {
	if *seen == nil {
		*seen = make(map[ID]T)
	}
	(*seen)[id] = v
}

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.q.ExecContext(ctx, t.s.sql(query), args...)
}

func (t *tx) id(id ID) any { return t.s.d.id(id) }

// Env implements store.Tx.
func (t *tx) Env() *store.Env { return t.s.env }

func (t *tx) insertOrg(ctx context.Context) error {
	o := t.org
	_, err := t.exec(ctx, `INSERT INTO {p}orgs (id, name, seat_limit, pending_owner, created, updated, deleted) VALUES (?, ?, ?, ?, ?, ?, 0)`,
		t.id(o.ID), o.Name, o.SeatLimit, t.id(o.PendingOwner), micros(o.Created), micros(o.Updated))
	return t.s.d.unique(err, "organisation "+o.ID.String(), nil, store.ErrConflict)
}

// Org implements store.Tx.
func (t *tx) Org(ctx context.Context) (store.Org, error) {
	if err := ctx.Err(); err != nil {
		return store.Org{}, err
	}
	return t.org, nil
}

// PutOrg implements store.Tx.
func (t *tx) PutOrg(ctx context.Context, o store.Org) error {
	if o.ID != t.org.ID {
		return fmt.Errorf("%w: PutOrg cannot change the organisation's ID", store.ErrInvalid)
	}
	_, err := t.exec(ctx, `UPDATE {p}orgs SET name = ?, seat_limit = ?, pending_owner = ?, created = ?, updated = ? WHERE id = ?`,
		o.Name, o.SeatLimit, t.id(o.PendingOwner), micros(o.Created), micros(o.Updated), t.id(o.ID))
	if err == nil {
		t.org = o
	}
	return err
}

// DeleteOrg implements store.Tx.
func (t *tx) DeleteOrg(ctx context.Context) error {
	t.members, t.invs = nil, nil
	id := t.id(t.org.ID)
	for _, table := range []string{"api_keys", "members", "roles", "invitations", "requests", "codes", "partners"} {
		if _, err := t.exec(ctx, `DELETE FROM {p}`+table+` WHERE org = ?`, id); err != nil {
			return err
		}
	}
	_, err := t.exec(ctx, `UPDATE {p}orgs SET deleted = ? WHERE id = ?`, micros(t.s.env.Time()), id)
	return err
}

// The columns of a member, with the permissions of its role when that is a
// custom role.
const memberCols = `m.id, m.org, m.user_id, m.email, m.name, m.role, m.allow, m.deny, m.scopes, m.status, m.kind,
	m.profile, m.created, m.updated, COALESCE(r.perms, '')`

const memberFrom = ` FROM {p}members m LEFT JOIN {p}roles r ON r.org = m.org AND r.name = m.role `

// memberOwnCols are memberCols without the join, for one member.
const memberOwnCols = `m.id, m.org, m.user_id, m.email, m.name, m.role, m.allow, m.deny, m.scopes, m.status, m.kind,
	m.profile, m.created, m.updated, ''`

type scanner interface{ Scan(dest ...any) error }

// scanMember reads a member row and resolves it.
func (s *Store) scanMember(row scanner) (store.Member, error) {
	var m store.Member
	var allow, deny, scopes, profile, rolePerms string
	var created, updated int64
	if err := row.Scan(&m.ID, &m.Org, &m.UserID, &m.Email, &m.Name, &m.Role, &allow, &deny, &scopes,
		&m.Status, &m.Kind, &profile, &created, &updated, &rolePerms); err != nil {
		return store.Member{}, err
	}
	var err error
	if m.Allow, err = s.parseSet(allow); err != nil {
		return store.Member{}, err
	}
	if m.Deny, err = s.parseSet(deny); err != nil {
		return store.Member{}, err
	}
	if m.Scopes, err = parseScopes(scopes); err != nil {
		return store.Member{}, err
	}
	if m.Profile, err = parseProfile(profile); err != nil {
		return store.Member{}, err
	}
	perms, err := s.parseSet(rolePerms)
	if err != nil {
		return store.Member{}, err
	}
	m.Created, m.Updated = fromMicros(created), fromMicros(updated)
	store.Resolve(s.env.Policy, &m, perms)
	return m, nil
}

// oneMember runs a query for at most one member.
//
// Most members hold a role of the policy: the row alone resolves them, and
// only a member of a custom role costs a second read, of its role.
func (s *Store) oneMember(ctx context.Context, q queryer, what string, where string, args ...any) (store.Member, error) {
	m, err := s.scanMember(q.QueryRowContext(ctx, s.sql(`SELECT `+memberOwnCols+` FROM {p}members m `+where), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Member{}, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil || m.Kind != store.Staff {
		return m, err
	}
	if _, ok := s.env.Policy.RolePerms(m.Role); ok {
		return m, nil
	}
	r, err := s.role(ctx, q, m.Org, m.Role)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Member{}, err
	}
	store.Resolve(s.env.Policy, &m, r.Perms) // a deleted role grants nothing
	return m, nil
}

// Member implements store.Tx.
func (t *tx) Member(ctx context.Context, id ID) (store.Member, error) {
	return t.sawMember(t.s.oneMember(ctx, t.q, "member "+id.String(), `WHERE m.org = ? AND m.id = ?`, t.id(t.org.ID), t.id(id)))
}

// MemberByUser implements store.Tx.
func (t *tx) MemberByUser(ctx context.Context, user string) (store.Member, error) {
	return t.sawMember(t.s.oneMember(ctx, t.q, "user "+user, `WHERE m.org = ? AND m.user_id = ?`, t.id(t.org.ID), user))
}

// MemberByEmail implements store.Tx.
func (t *tx) MemberByEmail(ctx context.Context, email string) (store.Member, error) {
	return t.sawMember(t.s.oneMember(ctx, t.q, "e-mail "+email, `WHERE m.org = ? AND m.email = ?`, t.id(t.org.ID), email))
}

// MemberByUserOrEmail implements store.Tx.
func (t *tx) MemberByUserOrEmail(ctx context.Context, user, email string) (store.Member, error) {
	// Two index lookups, whatever the planner makes of an OR: the user's
	// row, and the row of the user who has the e-mail.
	return t.sawMember(t.s.oneMember(ctx, t.q, "user "+user+" or e-mail "+email,
		`WHERE m.org = ? AND m.user_id IN (?, (SELECT e.user_id FROM {p}members e WHERE e.org = ? AND e.email = ?))
		ORDER BY CASE WHEN m.user_id = ? THEN 0 ELSE 1 END LIMIT 1`,
		t.id(t.org.ID), user, t.id(t.org.ID), email, user))
}

// Owner implements store.Tx.
func (t *tx) Owner(ctx context.Context) (store.Member, error) {
	return t.sawMember(t.s.oneMember(ctx, t.q, "owner", `WHERE m.org = ? AND m.is_owner = 1`, t.id(t.org.ID)))
}

// upsert inserts a row or replaces the one with the same key.
func (t *tx) upsert(ctx context.Context, table string, key []string, cols []string, vals []any) error {
	if t.s.d == MySQL {
		// ON DUPLICATE KEY UPDATE would also fire on the table's other
		// unique keys; insert, and update only when the primary key exists.
		_, err := t.exec(ctx, `INSERT INTO {p}`+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+marks(len(cols))+`)`, vals...)
		if msg, dup := t.s.d.isUnique(err); !dup || !primaryKey(msg) {
			return err
		}
		var set []string
		var args []any
		for i, c := range cols {
			if !contains(key, c) {
				set = append(set, c+" = ?")
				args = append(args, vals[i])
			}
		}
		var where []string
		for _, k := range key {
			where = append(where, k+" = ?")
			args = append(args, vals[indexOf(cols, k)])
		}
		where = append(where, "org = ?")
		args = append(args, vals[indexOf(cols, "org")])
		if _, err = t.exec(ctx, `UPDATE {p}`+table+` SET `+strings.Join(set, ", ")+` WHERE `+strings.Join(where, " AND "), args...); err != nil {
			return err
		}
		// The row exists: it must be this organisation's.
		var n int
		err = t.q.QueryRowContext(ctx, t.s.sql(`SELECT COUNT(*) FROM {p}`+table+` WHERE `+strings.Join(where, " AND ")), args[len(set):]...).Scan(&n)
		if err == nil && n == 0 {
			err = fmt.Errorf("%w: %s belongs to another organisation", store.ErrConflict, table)
		}
		return err
	}
	res, err := t.q.ExecContext(ctx, t.s.sql(t.s.upsertText(table, key, cols)), vals...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("%w: %s belongs to another organisation", store.ErrConflict, table)
	}
	return nil
}

// update writes vals, a row of table whose first two columns are id and
// org, over old, the same row as this unit of work read or wrote it: only
// the columns that differ, so that the database touches only the indexes on
// them (SQLite rewrites every index on a column an UPDATE sets, changed or
// not). Nothing differing, it writes nothing.
func (t *tx) update(ctx context.Context, table string, cols []string, vals, old []any) error {
	text, args, ok := t.s.updateOf(table, cols, vals, old)
	if !ok {
		return nil
	}
	res, err := t.q.ExecContext(ctx, t.s.sql(text), args...)
	if err != nil {
		return err
	}
	if t.s.d == MySQL {
		return nil // MySQL counts the rows changed, not the rows found
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return fmt.Errorf("%w: %s: the row read in this unit of work is gone", store.ErrConflict, table)
	}
	return nil
}

// updateKey names the text of an update of some columns of a table.
type updateKey struct {
	table   string
	changed uint64
}

// upsertText is the statement that inserts a row of table or replaces the
// one with the same key, if it is the same organisation's: else it changes
// no row. In the store's query form, built once.
func (s *Store) upsertText(table string, key, cols []string) string {
	if q, ok := s.texts.Load(table); ok {
		return q.(string)
	}
	var set []string
	for _, c := range cols {
		if !contains(key, c) {
			set = append(set, c+" = excluded."+c)
		}
	}
	q, _ := s.texts.LoadOrStore(table, `INSERT INTO {p}`+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+marks(len(cols))+`)
		ON CONFLICT (`+strings.Join(key, ", ")+`) DO UPDATE SET `+strings.Join(set, ", ")+`
		WHERE {p}`+table+`.org = excluded.org`)
	return q.(string)
}

// updateOf is the update of the columns of vals that differ from old, two
// rows of table whose first two columns are id and org, and its arguments;
// ok is false when no column differs.
func (s *Store) updateOf(table string, cols []string, vals, old []any) (text string, args []any, ok bool) {
	var changed uint64
	for i := 2; i < len(cols); i++ {
		if !same(vals[i], old[i]) {
			changed |= 1 << i
		}
	}
	if changed == 0 {
		return "", nil, false
	}
	args = make([]any, 0, len(cols))
	for i, v := range vals {
		if changed&(1<<i) != 0 {
			args = append(args, v)
		}
	}
	return s.updateText(table, cols, changed), append(args, vals[0], vals[1]), true
}

// updateText is the statement that sets the columns of table whose bits
// are set in changed, of the row with an id and org, in the store's query
// form.
func (s *Store) updateText(table string, cols []string, changed uint64) string {
	k := updateKey{table, changed}
	if q, ok := s.texts.Load(k); ok {
		return q.(string)
	}
	var set []string
	for i, c := range cols {
		if changed&(1<<i) != 0 {
			set = append(set, c+" = ?")
		}
	}
	q, _ := s.texts.LoadOrStore(k, `UPDATE {p}`+table+` SET `+strings.Join(set, ", ")+` WHERE id = ? AND org = ?`)
	return q.(string)
}

// same reports whether two column values are equal.
func same(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if x, ok := a.([]byte); ok {
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	return a == b
}

// primaryKey recognises MySQL's duplicate-entry message for a primary key
// ("… for key 'PRIMARY'", or "'table.PRIMARY'" on MySQL 8) by the key's
// name, which ends the message, after the user data.
func primaryKey(msg string) bool {
	return strings.HasSuffix(msg, " for key 'PRIMARY'") || strings.HasSuffix(msg, ".PRIMARY'")
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func contains(xs []string, x string) bool { return indexOf(xs, x) >= 0 }

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// PutMember implements store.Tx.
func (t *tx) PutMember(ctx context.Context, m store.Member) error {
	if m.Org != t.org.ID {
		return fmt.Errorf("%w: member %v does not belong to organisation %v", store.ErrInvalid, m.ID, t.org.ID)
	}
	// The one-owner index: named on PostgreSQL and MySQL; SQLite names
	// its only column.
	return putKnown(ctx, t, &t.members, m.ID, m, "members", memberColumns, t.memberValues, func(err error) error {
		return t.s.d.unique(err, "member "+m.ID.String(), map[string]error{"one_owner": store.ErrConflict, "members.org (": store.ErrConflict}, store.ErrAlreadyMember)
	})
}

// putKnown writes v, the record with id, to table, over the row as this
// unit of work last read or wrote it (seen) if it did, and records v as
// that row. values gives a record's columns as the database stores them;
// fail maps the write's unique violations.
func putKnown[T any](ctx context.Context, t *tx, seen *map[ID]T, id ID, v T, table string, cols []string,
	values func(*T) ([]any, error), fail func(error) error) error {
	vals, err := values(&v)
	if err != nil {
		return err
	}
	var was []any
	if old, ok := (*seen)[id]; ok {
		if was, err = values(&old); err != nil {
			return err
		}
	}
	delete(*seen, id)
	if err := t.putRow(ctx, table, cols, vals, was, fail); err != nil {
		return fail(err)
	}
	remember(seen, id, v)
	return nil
}

// putRow writes vals, a row of table keyed by its id, over was (the row as
// this unit of work read or wrote it, or nil): held on PostgreSQL, else sent
// at once; for a known row, only the columns that changed. fail maps the
// write's unique violations.
func (t *tx) putRow(ctx context.Context, table string, cols []string, vals, was []any, fail func(error) error) error {
	switch {
	case t.b != nil:
		if w, ok := t.rowWrite(table, cols, vals, was, fail); ok {
			return t.hold(w)
		}
		return nil
	case was != nil:
		return t.update(ctx, table, cols, vals, was)
	default:
		return t.upsert(ctx, table, []string{"id"}, cols, vals)
	}
}

var memberColumns = []string{"id", "org", "user_id", "email", "name", "role", "allow", "deny", "scopes", "status", "kind", "is_owner", "profile", "created", "updated"}

// memberValues are m's memberColumns as the database stores them.
func (t *tx) memberValues(m *store.Member) ([]any, error) {
	allow, err := t.s.setText(m.Allow)
	if err != nil {
		return nil, err
	}
	deny, err := t.s.setText(m.Deny)
	if err != nil {
		return nil, err
	}
	owner := 0
	if m.Kind == store.Staff && t.s.env.Policy.IsOwner(m.Role) {
		owner = 1
	}
	return []any{t.id(m.ID), t.id(m.Org), m.UserID, m.Email, m.Name, m.Role, allow, deny, scopesText(m.Scopes),
		int64(m.Status), int64(m.Kind), owner, profileText(m.Profile), micros(m.Created), micros(m.Updated)}, nil
}

// DeleteMember implements store.Tx.
func (t *tx) DeleteMember(ctx context.Context, id ID) error {
	delete(t.members, id)
	if _, err := t.exec(ctx, `DELETE FROM {p}api_keys WHERE org = ? AND member_id = ?`, t.id(t.org.ID), t.id(id)); err != nil {
		return err
	}
	return t.deleted(t.exec(ctx, `DELETE FROM {p}members WHERE org = ? AND id = ?`, t.id(t.org.ID), t.id(id)))("member " + id.String())
}

// deleted turns a DELETE's result into ErrNotFound when it deleted nothing.
func (t *tx) deleted(res sql.Result, err error) func(what string) error {
	return func(what string) error {
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("%s: %w", what, store.ErrNotFound)
		}
		return nil
	}
}

// Seats implements store.Tx.
func (t *tx) Seats(ctx context.Context, now time.Time) (int, error) {
	var n int
	id := t.id(t.org.ID)
	err := t.q.QueryRowContext(ctx, t.s.sql(`SELECT
		(SELECT COUNT(*) FROM {p}members WHERE org = ? AND kind = ?) +
		(`+pendingSeats(t.s.d)+`)`),
		id, store.Staff, id, store.ForMember, micros(now)).Scan(&n)
	return n, err
}

// The statements that the one-open indexes serve (see Dialect.open): the
// pending invitation of an e-mail, the open request of a user, and the
// pending invitations a seat count reads.

func pendingWhere(d Dialect) string {
	return `WHERE org = ? AND kind = ? AND ` + d.open("email", "pending_email")
}

func openRequestWhere(d Dialect) string { return `WHERE org = ? AND ` + d.open("user_id", "open_user") }

func pendingSeats(d Dialect) string {
	return `SELECT COUNT(*) FROM {p}invitations WHERE org = ? AND kind = ? AND ` + d.anyOpen("pending_email") + ` AND expires > ?`
}

// Role implements store.Tx.
func (t *tx) Role(ctx context.Context, name string) (store.Role, error) {
	return t.s.role(ctx, t.q, t.org.ID, name)
}

func (s *Store) scanRole(row scanner) (store.Role, error) {
	var r store.Role
	var perms string
	var created, updated int64
	if err := row.Scan(&r.Org, &r.Name, &r.Label, &perms, &created, &updated); err != nil {
		return store.Role{}, err
	}
	var err error
	r.Perms, err = s.parseSet(perms)
	r.Created, r.Updated = fromMicros(created), fromMicros(updated)
	return r, err
}

func (s *Store) role(ctx context.Context, q queryer, org ID, name string) (store.Role, error) {
	r, err := s.scanRole(q.QueryRowContext(ctx, s.sql(`SELECT org, name, label, perms, created, updated FROM {p}roles WHERE org = ? AND name = ?`),
		s.d.id(org), name))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Role{}, fmt.Errorf("role %q: %w", name, store.ErrNotFound)
	}
	return r, err
}

// PutRole implements store.Tx.
func (t *tx) PutRole(ctx context.Context, r store.Role) error {
	if r.Org != t.org.ID {
		return fmt.Errorf("%w: role %q does not belong to organisation %v", store.ErrInvalid, r.Name, t.org.ID)
	}
	perms, err := t.s.setText(r.Perms)
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
	var n int
	id := t.id(t.org.ID)
	err := t.q.QueryRowContext(ctx, t.s.sql(`SELECT
		(SELECT COUNT(*) FROM {p}members WHERE org = ? AND role = ?) +
		(SELECT COUNT(*) FROM {p}invitations WHERE org = ? AND role = ? AND status = ?) +
		(SELECT COUNT(*) FROM {p}partners WHERE org = ? AND level = ?)`),
		id, name, id, name, store.Pending, id, name).Scan(&n)
	return n > 0, err
}

const keyCols = `id, org, member_id, name, prefix, hash, created`

func scanKey(row scanner) (store.Key, error) {
	var k store.Key
	var hash []byte
	var created int64
	if err := row.Scan(&k.ID, &k.Org, &k.Member, &k.Name, &k.Prefix, &hash, &created); err != nil {
		return store.Key{}, err
	}
	copy(k.Hash[:], hash)
	k.Created = fromMicros(created)
	return k, nil
}

// Key implements store.Tx.
func (t *tx) Key(ctx context.Context, id ID) (store.Key, error) {
	k, err := scanKey(t.q.QueryRowContext(ctx, t.s.sql(`SELECT `+keyCols+` FROM {p}api_keys WHERE org = ? AND id = ?`), t.id(t.org.ID), t.id(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Key{}, fmt.Errorf("key %v: %w", id, store.ErrNotFound)
	}
	return k, err
}

// PutKey implements store.Tx.
func (t *tx) PutKey(ctx context.Context, k store.Key) error {
	if k.Org != t.org.ID {
		return fmt.Errorf("%w: key does not belong to organisation %v", store.ErrInvalid, t.org.ID)
	}
	_, err := t.exec(ctx, `INSERT INTO {p}api_keys (`+keyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.id(k.ID), t.id(k.Org), t.id(k.Member), k.Name, k.Prefix, k.Hash[:], micros(k.Created))
	return t.s.d.unique(err, "key "+k.ID.String(), nil, store.ErrConflict)
}

// DeleteKey implements store.Tx.
func (t *tx) DeleteKey(ctx context.Context, id ID) error {
	return t.deleted(t.exec(ctx, `DELETE FROM {p}api_keys WHERE org = ? AND id = ?`, t.id(t.org.ID), t.id(id)))("key " + id.String())
}

// Append implements store.Tx. The sequence number is the last one
// plus one, read under the organisation's lock: in the same statement as the
// insert where the dialect allows (PostgreSQL, SQLite: a statement of its
// own sees every append committed before the lock was taken), or in a
// statement before it (MySQL); later appends of the unit of work count on.
// On PostgreSQL the insert is held with the unit of work's other writes,
// and e.Seq set when it is sent.
func (t *tx) Append(ctx context.Context, e *store.Event) error {
	args := []any{t.id(t.org.ID), t.id(e.ID), micros(e.Time), string(e.Type), jsonText(e.Actor), jsonText(e.Target),
		t.id(e.Object), jsonText(e.Before), jsonText(e.After)}
	fail := func(err error) error { return t.s.d.unique(err, "audit event", nil, store.ErrConflict) }
	if t.b != nil {
		return t.hold(write{
			table: "events",
			build: func() (string, []any) {
				q, a := t.eventInsert(args)
				return q + " RETURNING seq AS n", a
			},
			done: func(n int64, ok bool) error {
				if !ok {
					return fmt.Errorf("%w: the audit event was not stored", store.ErrConflict)
				}
				t.seq, e.Seq = n, n
				return nil
			},
			fail: fail,
		})
	}
	if t.seq < 0 && t.s.d == MySQL {
		err := t.q.QueryRowContext(ctx, t.s.sql(`SELECT COALESCE(MAX(seq), 0) FROM {p}events WHERE org = ?`), t.id(t.org.ID)).Scan(&t.seq)
		if err != nil {
			return err
		}
	}
	q, a := t.eventInsert(args)
	if t.seq < 0 {
		if err := t.q.QueryRowContext(ctx, t.s.sql(q+" RETURNING seq"), a...).Scan(&t.seq); err != nil {
			return fail(err)
		}
	} else {
		if _, err := t.exec(ctx, q, a...); err != nil {
			return fail(err)
		}
		t.seq++
	}
	e.Seq = t.seq
	return nil
}

// eventInsert is the insert of an audit event whose columns but the
// sequence number are args, the organisation first: numbered in the
// statement, after the log's last event, while this unit of work does not
// know that number (t.seq < 0), else t.seq + 1.
func (t *tx) eventInsert(args []any) (string, []any) {
	const cols = `(org, seq, id, at, action, actor, target, object, before_state, after_state)`
	if t.seq < 0 {
		return `INSERT INTO {p}events ` + cols + `
			SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ? FROM {p}events WHERE org = ?`, append(args, t.id(t.org.ID))
	}
	return `INSERT INTO {p}events ` + cols + ` VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append([]any{args[0], t.seq + 1}, args[1:]...)
}

const invitationCols = `id, org, kind, email, role, allow, deny, scopes, profile, invited_by, status, token_hash, sealed,
	ttl, sent, expires, resends, joined, created, updated`

// invitationColsOf is invitationCols of the table named as.
func invitationColsOf(as string) string {
	return as + "." + strings.Join(invitationColumns, ", "+as+".")
}

func (s *Store) scanInvitation(row scanner) (store.Invitation, error) {
	var i store.Invitation
	var allow, deny, scopes, profile, by string
	var hash []byte
	var ttl, sent, expires, created, updated int64
	if err := row.Scan(&i.ID, &i.Org, &i.Kind, &i.Email, &i.Role, &allow, &deny, &scopes, &profile, &by, &i.Status,
		&hash, &i.Sealed, &ttl, &sent, &expires, &i.Resends, &i.Joined, &created, &updated); err != nil {
		return store.Invitation{}, err
	}
	var err error
	if i.Allow, err = s.parseSet(allow); err != nil {
		return store.Invitation{}, err
	}
	if i.Deny, err = s.parseSet(deny); err != nil {
		return store.Invitation{}, err
	}
	if i.Scopes, err = parseScopes(scopes); err != nil {
		return store.Invitation{}, err
	}
	if i.Profile, err = parseProfile(profile); err != nil {
		return store.Invitation{}, err
	}
	if err := parseJSON(by, &i.InvitedBy); err != nil {
		return store.Invitation{}, err
	}
	if len(i.Sealed) == 0 {
		i.Sealed = nil
	}
	copy(i.TokenHash[:], hash)
	i.TTL = time.Duration(ttl) * time.Microsecond
	i.Sent, i.Expires, i.Created, i.Updated = fromMicros(sent), fromMicros(expires), fromMicros(created), fromMicros(updated)
	return i, nil
}

func (s *Store) oneInvitation(ctx context.Context, q queryer, what, where string, args ...any) (store.Invitation, error) {
	i, err := s.scanInvitation(q.QueryRowContext(ctx, s.sql(`SELECT `+invitationCols+` FROM {p}invitations `+where), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Invitation{}, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return i, err
}

// Invitation implements store.Tx.
func (t *tx) Invitation(ctx context.Context, id ID) (store.Invitation, error) {
	return t.sawInvitation(t.s.oneInvitation(ctx, t.q, "invitation "+id.String(), `WHERE org = ? AND id = ?`, t.id(t.org.ID), t.id(id)))
}

// InvitationByHash implements store.Tx.
func (t *tx) InvitationByHash(ctx context.Context, hash [32]byte) (store.Invitation, error) {
	// By the token's own index alone: with the organisation in the WHERE
	// clause too, a plan made before the table had statistics may scan
	// the organisation's every invitation instead.
	i, err := t.s.oneInvitation(ctx, t.q, "invitation token", `WHERE token_hash = ?`, hash[:])
	if err == nil && i.Org != t.org.ID {
		return store.Invitation{}, fmt.Errorf("invitation token: %w", store.ErrNotFound)
	}
	return t.sawInvitation(i, err)
}

// PendingInvitation implements store.Tx.
func (t *tx) PendingInvitation(ctx context.Context, kind store.InvitationKind, email string) (store.Invitation, error) {
	return t.sawInvitation(t.s.oneInvitation(ctx, t.q, "pending invitation for "+email, pendingWhere(t.s.d),
		t.id(t.org.ID), kind, email))
}

// PutInvitation implements store.Tx.
func (t *tx) PutInvitation(ctx context.Context, i store.Invitation) error {
	if i.Org != t.org.ID {
		return fmt.Errorf("%w: invitation does not belong to organisation %v", store.ErrInvalid, t.org.ID)
	}
	return putKnown(ctx, t, &t.invs, i.ID, i, "invitations", invitationColumns, t.invitationValues, func(err error) error {
		return t.s.d.unique(err, "invitation "+i.ID.String(), map[string]error{"one_pending": store.ErrAlreadyInvited, "invitations.email": store.ErrAlreadyInvited}, store.ErrConflict)
	})
}

var invitationColumns = strings.FieldsFunc(invitationCols, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })

// invitationValues are i's invitationColumns as the database stores them.
func (t *tx) invitationValues(i *store.Invitation) ([]any, error) {
	allow, err := t.s.setText(i.Allow)
	if err != nil {
		return nil, err
	}
	deny, err := t.s.setText(i.Deny)
	if err != nil {
		return nil, err
	}
	var sealed any
	if len(i.Sealed) > 0 {
		sealed = i.Sealed
	}
	return []any{t.id(i.ID), t.id(i.Org), int64(i.Kind), i.Email, i.Role, allow, deny, scopesText(i.Scopes), profileText(i.Profile),
		jsonText(i.InvitedBy), int64(i.Status), i.TokenHash[:], sealed, i.TTL.Microseconds(), micros(i.Sent), micros(i.Expires),
		int64(i.Resends), t.id(i.Joined), micros(i.Created), micros(i.Updated)}, nil
}

const requestCols = `id, org, user_id, email, name, perms, message, member_id, status, granted, decided_by, created, updated`

func (s *Store) scanRequest(row scanner) (store.Request, error) {
	var r store.Request
	var perms, granted, by string
	var created, updated int64
	if err := row.Scan(&r.ID, &r.Org, &r.UserID, &r.Email, &r.Name, &perms, &r.Message, &r.Member, &r.Status,
		&granted, &by, &created, &updated); err != nil {
		return store.Request{}, err
	}
	var err error
	if r.Perms, err = s.parseSet(perms); err != nil {
		return store.Request{}, err
	}
	if r.Granted, err = s.parseSet(granted); err != nil {
		return store.Request{}, err
	}
	r.Created, r.Updated = fromMicros(created), fromMicros(updated)
	return r, parseJSON(by, &r.DecidedBy)
}

func (s *Store) oneRequest(ctx context.Context, q queryer, what, where string, args ...any) (store.Request, error) {
	r, err := s.scanRequest(q.QueryRowContext(ctx, s.sql(`SELECT `+requestCols+` FROM {p}requests `+where), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Request{}, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return r, err
}

// Request implements store.Tx.
func (t *tx) Request(ctx context.Context, id ID) (store.Request, error) {
	return t.s.oneRequest(ctx, t.q, "request "+id.String(), `WHERE org = ? AND id = ?`, t.id(t.org.ID), t.id(id))
}

// OpenRequest implements store.Tx.
func (t *tx) OpenRequest(ctx context.Context, user string) (store.Request, error) {
	return t.s.oneRequest(ctx, t.q, "open request of "+user, openRequestWhere(t.s.d),
		t.id(t.org.ID), user)
}

// PutRequest implements store.Tx.
func (t *tx) PutRequest(ctx context.Context, r store.Request) error {
	if r.Org != t.org.ID {
		return fmt.Errorf("%w: request does not belong to organisation %v", store.ErrInvalid, t.org.ID)
	}
	perms, err := t.s.setText(r.Perms)
	if err != nil {
		return err
	}
	granted, err := t.s.setText(r.Granted)
	if err != nil {
		return err
	}
	err = t.upsert(ctx, "requests", []string{"id"}, strings.Split(requestCols, ", "),
		[]any{t.id(r.ID), t.id(r.Org), r.UserID, r.Email, r.Name, perms, r.Message, t.id(r.Member), r.Status, granted,
			jsonText(r.DecidedBy), micros(r.Created), micros(r.Updated)})
	return t.s.d.unique(err, "request "+r.ID.String(), nil, invite.ErrAlreadyRequested)
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

const partnerCols = `id, org, partner, level, scopes, status, invitation, created, updated`

func scanPartner(row scanner, extra ...any) (store.Partnership, error) {
	var p store.Partnership
	var scopes string
	var created, updated int64
	dest := append([]any{&p.ID, &p.Org, &p.Partner, &p.Level, &scopes, &p.Status, &p.Invitation, &created, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return store.Partnership{}, err
	}
	var err error
	p.Scopes, err = parseScopes(scopes)
	p.Created, p.Updated = fromMicros(created), fromMicros(updated)
	return p, err
}

func (s *Store) onePartner(ctx context.Context, q queryer, what, where string, args ...any) (store.Partnership, error) {
	p, err := scanPartner(q.QueryRowContext(ctx, s.sql(`SELECT `+partnerCols+` FROM {p}partners `+where), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Partnership{}, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return p, err
}

// Partnership implements store.Tx.
func (t *tx) Partnership(ctx context.Context, id ID) (store.Partnership, error) {
	return t.s.onePartner(ctx, t.q, "partnership "+id.String(), `WHERE org = ? AND id = ?`, t.id(t.org.ID), t.id(id))
}

// PartnershipWith implements store.Tx.
func (t *tx) PartnershipWith(ctx context.Context, partner ID) (store.Partnership, error) {
	return t.s.onePartner(ctx, t.q, "partnership with "+partner.String(), `WHERE org = ? AND partner = ?`, t.id(t.org.ID), t.id(partner))
}

// PutPartnership implements store.Tx.
func (t *tx) PutPartnership(ctx context.Context, p store.Partnership) error {
	if p.Org != t.org.ID || p.Partner == t.org.ID {
		return fmt.Errorf("%w: partnership does not belong to organisation %v", store.ErrInvalid, t.org.ID)
	}
	err := t.upsert(ctx, "partners", []string{"id"}, strings.Split(partnerCols, ", "),
		[]any{t.id(p.ID), t.id(p.Org), t.id(p.Partner), p.Level, scopesText(p.Scopes), p.Status, t.id(p.Invitation),
			micros(p.Created), micros(p.Updated)})
	return t.s.d.unique(err, "partnership "+p.ID.String(), nil, store.ErrExists)
}

// DeletePartnership implements store.Tx.
func (t *tx) DeletePartnership(ctx context.Context, id ID) error {
	return t.deleted(t.exec(ctx, `DELETE FROM {p}partners WHERE org = ? AND id = ?`, t.id(t.org.ID), t.id(id)))("partnership " + id.String())
}
