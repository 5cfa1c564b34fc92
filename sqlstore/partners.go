package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

const partnerCols = `id, org, partner, level, scopes, status, invitation, created, updated, collaborators, ends, ends_noted`

func (s *Store) scanPartner(row scanner, extra ...any) (store.Partnership, error) {
	var p store.Partnership
	var scopes string
	var created, updated int64
	var collaborators, ends, noted int64
	dest := append([]any{&p.ID, &p.Org, &p.Partner, &p.Level, &scopes, &p.Status, &p.Invitation, &created, &updated, &collaborators,
		&ends, &noted}, extra...)
	if err := row.Scan(dest...); err != nil {
		return store.Partnership{}, err
	}
	var err error
	p.Scopes, err = parseScopes(scopes)
	p.Created, p.Updated = fromMicros(created), fromMicros(updated)
	p.Collaborators = collaborators == 1
	p.Until, p.EndRecorded = fromMicros(ends), noted == 1
	p.Level = store.DecodeRole(s.env.Policy, store.FieldLevel, p.Level, &p.Stale)
	return p, err
}

// onePartner reads the partnership that where selects.
func (s *Store) onePartner(ctx context.Context, q queryer, what, where string, args ...any) (store.Partnership, error) {
	return one(ctx, s, q, func(row scanner) (store.Partnership, error) { return s.scanPartner(row) },
		what, `SELECT `+partnerCols+` FROM {p}partners `+where, args...)
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
		[]any{t.id(p.ID), t.id(p.Org), t.id(p.Partner), store.EncodeRole(t.s.env.Policy, store.FieldLevel, p.Level, p.Stale), scopesText(p.Scopes), p.Status, t.id(p.Invitation),
			micros(p.Created), micros(p.Updated), boolInt(p.Collaborators), micros(p.Until), boolInt(p.EndRecorded)})
	return t.s.unique(err, "partnership "+p.ID.String(), nil, store.ErrExists)
}

// DeletePartnership implements store.Tx.
func (t *tx) DeletePartnership(ctx context.Context, id ID) error {
	return t.deleted(t.exec(ctx, `DELETE FROM {p}partners WHERE org = ? AND id = ?`, t.id(t.org.ID), t.id(id)))("partnership " + id.String())
}

// Partnership implements store.Store.
func (s *Store) Partnership(ctx context.Context, org, id ID) (store.Partnership, error) {
	return s.onePartner(ctx, s.reader(), "partnership "+id.String(), `WHERE id = ? AND (org = ? OR partner = ?)`+liveOrg("{p}partners"),
		s.f.id(id), s.f.id(org), s.f.id(org))
}

// Partnerships implements store.Store.
func (s *Store) Partnerships(ctx context.Context, org ID, p store.Page) ([]store.Partnership, string, error) {
	return page(ctx, s, p, `SELECT `+partnerCols+` FROM {p}partners WHERE (org = ? OR partner = ?)`+liveOrg("{p}partners"), "id",
		[]any{s.f.id(org), s.f.id(org)}, func(row scanner) (store.Partnership, error) { return s.scanPartner(row) },
		func(ps store.Partnership) ID { return ps.ID })
}

// Principal implements store.PrincipalReader: the member, else one query that joins
// the partnership, the user's membership of the partner organisation (staff,
// or an external collaborator where the partnership opts in) and the
// level's custom role.
func (s *Store) Principal(ctx context.Context, org ID, user string) (access.Grant, error) {
	// Validated before the query, as MemberByUser is.
	if err := rule.CheckUserID(user); err != nil {
		return access.Grant{}, err
	}
	if c := s.cache; c != nil && s.host == nil {
		g, err, hit, st := c.principal(ctx, org, user)
		if hit {
			return s.grantAt(g), err
		}
		g, err = s.principal(ctx, org, user)
		c.putPrincipal(org, user, st, g, err)
		return s.grantAt(g), err
	}
	return s.principal(ctx, org, user)
}

// grantAt settles g at the time of a read: a grant kept by the cache, or
// read, before its end allows nothing once it has passed.
func (s *Store) grantAt(g access.Grant) access.Grant {
	if g.Until().IsZero() {
		return g
	}
	return g.At(s.env.Time())
}

func (s *Store) principal(ctx context.Context, org ID, user string) (access.Grant, error) {
	if m, err := s.memberByUser(ctx, org, user); err == nil {
		return s.grantAt(m.Grant()), nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return access.Grant{}, err
	}
	var status store.Status
	var kind store.Kind
	var perms string
	var ends int64
	ps, err := s.scanPartner(s.reader().QueryRowContext(ctx, s.sql(`SELECT p.id, p.org, p.partner, p.level, p.scopes, p.status,
		p.invitation, p.created, p.updated, p.collaborators, p.ends, p.ends_noted, m.status, m.kind, m.ends, COALESCE(r.perms, '')
		FROM {p}partners p
		JOIN {p}members m ON m.org = p.partner AND m.user_id = ? AND (m.kind = 1 OR p.collaborators = 1)
		LEFT JOIN {p}roles r ON r.org = p.org AND r.name = p.level
		WHERE p.org = ?`+liveOrg("p")+liveOrg("m")+` ORDER BY p.partner LIMIT 1`), user, s.f.id(org)), &status, &kind, &ends, &perms)
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
	m := store.Member{Status: status, Kind: kind, Until: fromMicros(ends)}
	return s.grantAt(store.ResolvePartner(s.env.Policy, &ps, &m, levelPerms)), nil
}
