package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// Org implements store.Store.
func (s *Store) Org(ctx context.Context, id ID) (store.Org, error) {
	var o store.Org
	var created, updated int64
	err := s.reader().QueryRowContext(ctx, s.sql(`SELECT id, name, seat_limit, pending_owner, created, updated FROM {p}orgs WHERE id = ? AND deleted = 0`),
		s.d.id(id)).Scan(&o.ID, &o.Name, &o.SeatLimit, &o.PendingOwner, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Org{}, fmt.Errorf("organisation %v: %w", id, store.ErrNotFound)
	}
	o.Created, o.Updated = fromMicros(created), fromMicros(updated)
	return o, err
}

// Member implements store.Store.
func (s *Store) Member(ctx context.Context, org, id ID) (store.Member, error) {
	return s.oneMember(ctx, s.reader(), "member "+id.String(), `WHERE m.org = ? AND m.id = ?`, s.d.id(org), s.d.id(id))
}

// MemberByUser implements store.Store: one indexed query, and a second,
// of its role, only for a member of a custom role.
func (s *Store) MemberByUser(ctx context.Context, org ID, user string) (store.Member, error) {
	return s.oneMember(ctx, s.reader(), "user "+user, `WHERE m.org = ? AND m.user_id = ?`, s.d.id(org), user)
}

// page reads up to p.Size() rows of a query ordered by ID after the cursor,
// and the cursor of the next page.
func page[T any](ctx context.Context, s *Store, p store.Page, query, idCol string, args []any, scan func(scanner) (T, error), id func(T) ID) ([]T, string, error) {
	after, err := rule.ParseCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	n := p.Size()
	args = append(args, s.d.id(after), n+1)
	rows, err := s.reader().QueryContext(ctx, s.sql(query+` AND `+idCol+` > ? ORDER BY `+idCol+` LIMIT ?`), args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(out) > n {
		return out[:n], rule.EncodeCursor(id(out[n-1])), nil
	}
	return out, "", nil
}

// Members implements store.Store.
func (s *Store) Members(ctx context.Context, org ID, f store.Filter, p store.Page) ([]store.Member, string, error) {
	q := `SELECT ` + memberCols + memberFrom + `WHERE m.org = ?`
	args := []any{s.d.id(org)}
	if f.Status != 0 {
		q += ` AND m.status = ?`
		args = append(args, f.Status)
	}
	if f.Kind != 0 {
		q += ` AND m.kind = ?`
		args = append(args, f.Kind)
	}
	if f.Role != "" {
		q += ` AND m.role = ?`
		args = append(args, f.Role)
	}
	return page(ctx, s, p, q, "m.id", args, s.scanMember, func(m store.Member) ID { return m.ID })
}

// UserOrgs implements store.Store.
func (s *Store) UserOrgs(ctx context.Context, user string) ([]store.Member, error) {
	rows, err := s.reader().QueryContext(ctx, s.sql(`SELECT `+memberCols+memberFrom+`
		JOIN {p}orgs o ON o.id = m.org AND o.deleted = 0 WHERE m.user_id = ? ORDER BY m.org`), user)
	if err != nil {
		return nil, err
	}
	return collect(rows, s.scanMember)
}

func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Roles implements store.Store.
func (s *Store) Roles(ctx context.Context, org ID) ([]store.Role, error) {
	rows, err := s.reader().QueryContext(ctx, s.sql(`SELECT org, name, label, perms, created, updated FROM {p}roles WHERE org = ? ORDER BY name`), s.d.id(org))
	if err != nil {
		return nil, err
	}
	return collect(rows, s.scanRole)
}

// Keys implements store.Store.
func (s *Store) Keys(ctx context.Context, org, memberID ID) ([]store.Key, error) {
	rows, err := s.reader().QueryContext(ctx, s.sql(`SELECT `+keyCols+` FROM {p}api_keys WHERE org = ? AND member_id = ? ORDER BY id`),
		s.d.id(org), s.d.id(memberID))
	if err != nil {
		return nil, err
	}
	return collect(rows, scanKey)
}

// KeyByHash implements store.Store.
func (s *Store) KeyByHash(ctx context.Context, hash [32]byte) (store.Key, error) {
	k, err := scanKey(s.reader().QueryRowContext(ctx, s.sql(`SELECT `+keyCols+` FROM {p}api_keys WHERE hash = ?`), hash[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Key{}, fmt.Errorf("key: %w", store.ErrNotFound)
	}
	return k, err
}

// Events implements store.Store.
func (s *Store) Events(ctx context.Context, org ID, after int64, limit int) ([]store.Event, error) {
	rows, err := s.reader().QueryContext(ctx, s.sql(`SELECT org, seq, id, at, action, actor, target, object, before_state, after_state
		FROM {p}events WHERE org = ? AND seq > ? ORDER BY seq LIMIT ?`), s.d.id(org), after, store.Page{Limit: limit}.Size())
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row scanner) (store.Event, error) {
		var e store.Event
		var at int64
		var typ, actor, target, before, after string
		if err := row.Scan(&e.Org, &e.Seq, &e.ID, &at, &typ, &actor, &target, &e.Object, &before, &after); err != nil {
			return store.Event{}, err
		}
		e.Time, e.Type = fromMicros(at), store.EventType(typ)
		return e, errors.Join(parseJSON(actor, &e.Actor), parseJSON(target, &e.Target), parseJSON(before, &e.Before), parseJSON(after, &e.After))
	})
}

// Invitation implements store.Store.
func (s *Store) Invitation(ctx context.Context, org, id ID) (store.Invitation, error) {
	return s.oneInvitation(ctx, s.reader(), "invitation "+id.String(), `WHERE org = ? AND id = ?`, s.d.id(org), s.d.id(id))
}

// Invitations implements store.Store.
func (s *Store) Invitations(ctx context.Context, org ID, f store.InvitationFilter, p store.Page) ([]store.Invitation, string, error) {
	q := `SELECT ` + invitationCols + ` FROM {p}invitations WHERE org = ?`
	args := []any{s.d.id(org)}
	if f.Status != 0 {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Kind != 0 {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	return page(ctx, s, p, q, "id", args, s.scanInvitation, func(i store.Invitation) ID { return i.ID })
}

// InvitationOrg implements store.Store.
func (s *Store) InvitationOrg(ctx context.Context, hash [32]byte) (ID, error) {
	var org ID
	err := s.reader().QueryRowContext(ctx, s.sql(`SELECT org FROM {p}invitations WHERE token_hash = ?`), hash[:]).Scan(&org)
	if errors.Is(err, sql.ErrNoRows) {
		return ID{}, fmt.Errorf("invitation token: %w", store.ErrNotFound)
	}
	return org, err
}

// Request implements store.Store.
func (s *Store) Request(ctx context.Context, org, id ID) (store.Request, error) {
	return s.oneRequest(ctx, s.reader(), "request "+id.String(), `WHERE org = ? AND id = ?`, s.d.id(org), s.d.id(id))
}

// Requests implements store.Store.
func (s *Store) Requests(ctx context.Context, org ID, st store.RequestStatus, p store.Page) ([]store.Request, string, error) {
	q := `SELECT ` + requestCols + ` FROM {p}requests WHERE org = ?`
	args := []any{s.d.id(org)}
	if st != 0 {
		q += ` AND status = ?`
		args = append(args, st)
	}
	return page(ctx, s, p, q, "id", args, s.scanRequest, func(r store.Request) ID { return r.ID })
}

// Partnership implements store.Store.
func (s *Store) Partnership(ctx context.Context, org, id ID) (store.Partnership, error) {
	return s.onePartner(ctx, s.reader(), "partnership "+id.String(), `WHERE id = ? AND (org = ? OR partner = ?)`,
		s.d.id(id), s.d.id(org), s.d.id(org))
}

// Partnerships implements store.Store.
func (s *Store) Partnerships(ctx context.Context, org ID) ([]store.Partnership, error) {
	rows, err := s.reader().QueryContext(ctx, s.sql(`SELECT `+partnerCols+` FROM {p}partners WHERE org = ? OR partner = ? ORDER BY id`),
		s.d.id(org), s.d.id(org))
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row scanner) (store.Partnership, error) { return scanPartner(row) })
}

// Principal implements store.PrincipalReader: the member, else one query that joins
// the partnership, the user's membership of the partner organisation and
// the level's custom role.
func (s *Store) Principal(ctx context.Context, org ID, user string) (access.Grant, error) {
	if m, err := s.MemberByUser(ctx, org, user); err == nil {
		return m.Grant(), nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return access.Grant{}, err
	}
	var status store.Status
	var perms string
	ps, err := scanPartner(s.reader().QueryRowContext(ctx, s.sql(`SELECT p.id, p.org, p.partner, p.level, p.scopes, p.status,
		p.invitation, p.created, p.updated, m.status, COALESCE(r.perms, '')
		FROM {p}partners p
		JOIN {p}members m ON m.org = p.partner AND m.user_id = ?
		LEFT JOIN {p}roles r ON r.org = p.org AND r.name = p.level
		WHERE p.org = ? ORDER BY p.partner LIMIT 1`), user, s.d.id(org)), &status, &perms)
	if errors.Is(err, sql.ErrNoRows) {
		return access.Grant{}, fmt.Errorf("user %q is neither a member of organisation %v nor a member of its partners: %w", user, org, store.ErrNotFound)
	}
	if err != nil {
		return access.Grant{}, err
	}
	levelPerms, err := s.parseSet(perms)
	if err != nil {
		return access.Grant{}, err
	}
	m := store.Member{Status: status}
	return store.ResolvePartner(s.env.Policy, &ps, &m, levelPerms), nil
}
