package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
)

// Org implements member.Reader.
func (s *Store) Org(ctx context.Context, id ID) (member.Org, error) {
	var o member.Org
	var created, updated int64
	err := s.reader().QueryRowContext(ctx, s.sql(`SELECT id, name, seat_limit, pending_owner, created, updated FROM {p}orgs WHERE id = ? AND deleted = 0`),
		s.d.id(id)).Scan(&o.ID, &o.Name, &o.SeatLimit, &o.PendingOwner, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return member.Org{}, fmt.Errorf("organisation %v: %w", id, member.ErrNotFound)
	}
	o.Created, o.Updated = fromMicros(created), fromMicros(updated)
	return o, err
}

// Member implements member.Reader.
func (s *Store) Member(ctx context.Context, org, id ID) (member.Member, error) {
	return s.oneMember(ctx, s.reader(), "member "+id.String(), `WHERE m.org = ? AND m.id = ?`, s.d.id(org), s.d.id(id))
}

// MemberByUser implements member.Reader: one indexed query, and a second,
// of its role, only for a member of a custom role.
func (s *Store) MemberByUser(ctx context.Context, org ID, user string) (member.Member, error) {
	return s.oneMember(ctx, s.reader(), "user "+user, `WHERE m.org = ? AND m.user_id = ?`, s.d.id(org), user)
}

// page reads up to p.Size() rows of a query ordered by ID after the cursor,
// and the cursor of the next page.
func page[T any](ctx context.Context, s *Store, p member.Page, query, idCol string, args []any, scan func(scanner) (T, error), id func(T) ID) ([]T, string, error) {
	after, err := member.ParseCursor(p.After)
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
		return out[:n], member.EncodeCursor(id(out[n-1])), nil
	}
	return out, "", nil
}

// Members implements member.Reader.
func (s *Store) Members(ctx context.Context, org ID, f member.Filter, p member.Page) ([]member.Member, string, error) {
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
	return page(ctx, s, p, q, "m.id", args, s.scanMember, func(m member.Member) ID { return m.ID })
}

// UserOrgs implements member.Reader.
func (s *Store) UserOrgs(ctx context.Context, user string) ([]member.Member, error) {
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

// Roles implements member.Reader.
func (s *Store) Roles(ctx context.Context, org ID) ([]member.Role, error) {
	rows, err := s.reader().QueryContext(ctx, s.sql(`SELECT org, name, label, perms, created, updated FROM {p}roles WHERE org = ? ORDER BY name`), s.d.id(org))
	if err != nil {
		return nil, err
	}
	return collect(rows, s.scanRole)
}

// Keys implements member.Reader.
func (s *Store) Keys(ctx context.Context, org, memberID ID) ([]member.Key, error) {
	rows, err := s.reader().QueryContext(ctx, s.sql(`SELECT `+keyCols+` FROM {p}api_keys WHERE org = ? AND member_id = ? ORDER BY id`),
		s.d.id(org), s.d.id(memberID))
	if err != nil {
		return nil, err
	}
	return collect(rows, scanKey)
}

// KeyByHash implements member.Reader.
func (s *Store) KeyByHash(ctx context.Context, hash [32]byte) (member.Key, error) {
	k, err := scanKey(s.reader().QueryRowContext(ctx, s.sql(`SELECT `+keyCols+` FROM {p}api_keys WHERE hash = ?`), hash[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return member.Key{}, fmt.Errorf("key: %w", member.ErrNotFound)
	}
	return k, err
}

// Events implements member.Reader.
func (s *Store) Events(ctx context.Context, org ID, after int64, limit int) ([]member.Event, error) {
	rows, err := s.reader().QueryContext(ctx, s.sql(`SELECT org, seq, id, at, action, actor, target, object, before_state, after_state
		FROM {p}events WHERE org = ? AND seq > ? ORDER BY seq LIMIT ?`), s.d.id(org), after, member.Page{Limit: limit}.Size())
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row scanner) (member.Event, error) {
		var e member.Event
		var at int64
		var typ, actor, target, before, after string
		if err := row.Scan(&e.Org, &e.Seq, &e.ID, &at, &typ, &actor, &target, &e.Object, &before, &after); err != nil {
			return member.Event{}, err
		}
		e.Time, e.Type = fromMicros(at), member.EventType(typ)
		return e, errors.Join(parseJSON(actor, &e.Actor), parseJSON(target, &e.Target), parseJSON(before, &e.Before), parseJSON(after, &e.After))
	})
}

// Invitation implements invite.Reader.
func (s *Store) Invitation(ctx context.Context, org, id ID) (invite.Invitation, error) {
	return s.oneInvitation(ctx, s.reader(), "invitation "+id.String(), `WHERE org = ? AND id = ?`, s.d.id(org), s.d.id(id))
}

// Invitations implements invite.Reader.
func (s *Store) Invitations(ctx context.Context, org ID, f invite.InvitationFilter, p member.Page) ([]invite.Invitation, string, error) {
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
	return page(ctx, s, p, q, "id", args, s.scanInvitation, func(i invite.Invitation) ID { return i.ID })
}

// InvitationOrg implements invite.Reader.
func (s *Store) InvitationOrg(ctx context.Context, hash [32]byte) (ID, error) {
	var org ID
	err := s.reader().QueryRowContext(ctx, s.sql(`SELECT org FROM {p}invitations WHERE token_hash = ?`), hash[:]).Scan(&org)
	if errors.Is(err, sql.ErrNoRows) {
		return ID{}, fmt.Errorf("invitation token: %w", member.ErrNotFound)
	}
	return org, err
}

// Request implements invite.Reader.
func (s *Store) Request(ctx context.Context, org, id ID) (invite.Request, error) {
	return s.oneRequest(ctx, s.reader(), "request "+id.String(), `WHERE org = ? AND id = ?`, s.d.id(org), s.d.id(id))
}

// Requests implements invite.Reader.
func (s *Store) Requests(ctx context.Context, org ID, st invite.RequestStatus, p member.Page) ([]invite.Request, string, error) {
	q := `SELECT ` + requestCols + ` FROM {p}requests WHERE org = ?`
	args := []any{s.d.id(org)}
	if st != 0 {
		q += ` AND status = ?`
		args = append(args, st)
	}
	return page(ctx, s, p, q, "id", args, s.scanRequest, func(r invite.Request) ID { return r.ID })
}

// Partnership implements invite.Reader.
func (s *Store) Partnership(ctx context.Context, org, id ID) (invite.Partnership, error) {
	return s.onePartner(ctx, s.reader(), "partnership "+id.String(), `WHERE id = ? AND (org = ? OR partner = ?)`,
		s.d.id(id), s.d.id(org), s.d.id(org))
}

// Partnerships implements invite.Reader.
func (s *Store) Partnerships(ctx context.Context, org ID) ([]invite.Partnership, error) {
	rows, err := s.reader().QueryContext(ctx, s.sql(`SELECT `+partnerCols+` FROM {p}partners WHERE org = ? OR partner = ? ORDER BY id`),
		s.d.id(org), s.d.id(org))
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row scanner) (invite.Partnership, error) { return scanPartner(row) })
}

// Principal implements invite.Reader: the member, else one query that joins
// the partnership, the user's membership of the partner organisation and
// the level's custom role.
func (s *Store) Principal(ctx context.Context, org ID, user string) (access.Grant, error) {
	if m, err := s.MemberByUser(ctx, org, user); err == nil {
		return m.Grant(), nil
	} else if !errors.Is(err, member.ErrNotFound) {
		return access.Grant{}, err
	}
	var status member.Status
	var perms string
	ps, err := scanPartner(s.reader().QueryRowContext(ctx, s.sql(`SELECT p.id, p.org, p.partner, p.level, p.scopes, p.status,
		p.invitation, p.created, p.updated, m.status, COALESCE(r.perms, '')
		FROM {p}partners p
		JOIN {p}members m ON m.org = p.partner AND m.user_id = ?
		LEFT JOIN {p}roles r ON r.org = p.org AND r.name = p.level
		WHERE p.org = ? ORDER BY p.partner LIMIT 1`), user, s.d.id(org)), &status, &perms)
	if errors.Is(err, sql.ErrNoRows) {
		return access.Grant{}, fmt.Errorf("user %q is neither a member of organisation %v nor a member of its partners: %w", user, org, member.ErrNotFound)
	}
	if err != nil {
		return access.Grant{}, err
	}
	levelPerms, err := s.parseSet(perms)
	if err != nil {
		return access.Grant{}, err
	}
	m := member.Member{Status: status}
	return invite.ResolvePartner(s.env.Policy, &ps, &m, levelPerms), nil
}
