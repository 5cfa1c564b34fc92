package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// The columns of a member, with the permissions of its role when that is a
// custom role.
const memberCols = `m.id, m.org, m.user_id, m.email, m.name, m.role, m.allow, m.deny, m.scopes, m.status, m.kind,
	m.profile, m.created, m.updated, m.ends, m.ends_noted, COALESCE(r.perms, '')`

const memberFrom = ` FROM {p}members m LEFT JOIN {p}roles r ON r.org = m.org AND r.name = m.role `

// memberOwnCols are memberCols without the join, for one member.
const memberOwnCols = `m.id, m.org, m.user_id, m.email, m.name, m.role, m.allow, m.deny, m.scopes, m.status, m.kind,
	m.profile, m.created, m.updated, m.ends, m.ends_noted, ''`

var memberColumns = []string{"id", "org", "user_id", "email", "name", "role", "allow", "deny", "scopes", "status", "kind", "is_owner", "profile", "created", "updated", "ends", "ends_noted"}

// memberRow holds a member row as scanned (memberCols).
type memberRow struct {
	m                                       store.Member
	allow, deny, scopes, profile, rolePerms string
	created, updated, ends, noted           int64
}

func (r *memberRow) dests() []any {
	m := &r.m
	return []any{&m.ID, &m.Org, &m.UserID, &m.Email, &m.Name, &m.Role, &r.allow, &r.deny, &r.scopes,
		&m.Status, &m.Kind, &r.profile, &r.created, &r.updated, &r.ends, &r.noted, &r.rolePerms}
}

// scanMember reads a member row and resolves it.
func (s *Store) scanMember(row scanner) (store.Member, error) {
	var r memberRow
	if err := row.Scan(r.dests()...); err != nil {
		return store.Member{}, err
	}
	return s.memberOf(&r)
}

// memberOf resolves a scanned member row.
func (s *Store) memberOf(r *memberRow) (store.Member, error) {
	m := r.m
	var err error
	if m.Kind == store.Staff {
		m.Role = store.DecodeRole(s.env.Policy, store.FieldRole, m.Role, &m.Stale)
	}
	m.Allow = s.decodeSet(store.FieldAllow, r.allow, &m.Stale)
	m.Deny = s.decodeSet(store.FieldDeny, r.deny, &m.Stale)
	if m.Scopes, err = parseScopes(r.scopes); err != nil {
		return store.Member{}, fmt.Errorf("sqlstore: member %v: scopes: %w", m.ID, err)
	}
	if m.Profile, err = parseProfile(r.profile); err != nil {
		return store.Member{}, fmt.Errorf("sqlstore: member %v: profile: %w", m.ID, err)
	}
	perms, err := s.parseSet(r.rolePerms)
	if err != nil {
		return store.Member{}, err
	}
	m.Created, m.Updated = fromMicros(r.created), fromMicros(r.updated)
	m.Until, m.EndRecorded = fromMicros(r.ends), r.noted == 1
	store.Resolve(s.env.Policy, &m, perms)
	return m, nil
}

// scanMemberNow is scanMember for a list read outside a unit of work,
// settled at the time of the read.
func (s *Store) scanMemberNow(row scanner) (store.Member, error) {
	m, err := s.scanMember(row)
	if err != nil {
		return m, err
	}
	return s.at(m)
}

// memberValues are m's memberColumns as the database stores them.
func (t *tx) memberValues(m *store.Member) ([]any, error) {
	allow, err := t.s.setText(store.FieldAllow, m.Allow, m.Stale)
	if err != nil {
		return nil, err
	}
	deny, err := t.s.setText(store.FieldDeny, m.Deny, m.Stale)
	if err != nil {
		return nil, err
	}
	role := m.Role
	if m.Kind == store.Staff {
		role = store.EncodeRole(t.s.env.Policy, store.FieldRole, m.Role, m.Stale)
	}
	owner := 0
	if m.Kind == store.Staff && t.s.env.Policy.IsOwner(m.Role) {
		owner = 1
	}
	return []any{t.id(m.ID), t.id(m.Org), m.UserID, m.Email, m.Name, role, allow, deny, scopesText(m.Scopes),
		int64(m.Status), int64(m.Kind), owner, profileText(m.Profile), micros(m.Created), micros(m.Updated),
		micros(m.Until), boolInt(m.EndRecorded)}, nil
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

// PutMember implements store.Tx.
func (t *tx) PutMember(ctx context.Context, m store.Member) error {
	if m.Org != t.org.ID {
		return fmt.Errorf("%w: member %v does not belong to organisation %v", store.ErrInvalid, m.ID, t.org.ID)
	}
	// The organisation's staff counter (orgs.staff) changes with the
	// member's kind: by what this unit of work knows of the row, after the
	// write; else in one statement before it, from the row as stored (a
	// write that then fails fails the unit of work, which rolls back).
	old, known := t.members[m.ID]
	if !known {
		if _, err := t.exec(ctx, `UPDATE {p}orgs SET staff = staff + ? - (SELECT COUNT(*) FROM {p}members WHERE org = ? AND id = ? AND kind = ?) WHERE id = ?`,
			staff(m), t.id(t.org.ID), t.id(m.ID), store.Staff, t.id(t.org.ID)); err != nil {
			return err
		}
	}
	// The one-owner index by its exact name (on SQLite, its one column):
	// not a substring, which a table prefix could hold.
	if err := putKnown(ctx, t, &t.members, m.ID, m, "members", memberColumns, t.memberValues, func(err error) error {
		return t.s.unique(err, "member "+m.ID.String(), map[string]error{"members_one_owner": store.ErrConflict}, store.ErrAlreadyMember)
	}); err != nil {
		return err
	}
	if d := staff(m) - staff(old); known && d != 0 {
		_, err := t.exec(ctx, `UPDATE {p}orgs SET staff = staff + ? WHERE id = ?`, d, t.id(t.org.ID))
		return err
	}
	return nil
}

// staff is 1 for a staff member, who takes a seat, else 0.
func staff(m store.Member) int {
	if m.Kind == store.Staff {
		return 1
	}
	return 0
}

// DeleteMember implements store.Tx.
func (t *tx) DeleteMember(ctx context.Context, id ID) error {
	delete(t.members, id)
	if _, err := t.exec(ctx, `DELETE FROM {p}api_keys WHERE org = ? AND member_id = ?`, t.id(t.org.ID), t.id(id)); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `UPDATE {p}orgs SET staff = staff - (SELECT COUNT(*) FROM {p}members WHERE org = ? AND id = ? AND kind = ?) WHERE id = ?`,
		t.id(t.org.ID), t.id(id), store.Staff, t.id(t.org.ID)); err != nil {
		return err
	}
	return t.deleted(t.exec(ctx, `DELETE FROM {p}members WHERE org = ? AND id = ?`, t.id(t.org.ID), t.id(id)))("member " + id.String())
}

// Seats implements store.Tx.
func (t *tx) Seats(ctx context.Context) (int, error) {
	// The organisation's row counts its staff, its pending invitations for
	// staff (invited) and, of those, the ones whose expiry is at or before
	// its horizon (lapsed). Of the invitations, only those that expired
	// between the horizon and now are counted, through invitations_seats,
	// and the horizon moves to now past them: each invitation is counted
	// once as it expires, whatever the organisation's size. A clock behind
	// the horizon (another instance's) counts back the other way.
	id := t.id(t.org.ID)
	var staff, invited, lapsed int
	var horizon int64
	if err := t.q.QueryRowContext(ctx, t.s.sql(`SELECT staff, invited, lapsed, horizon FROM {p}orgs WHERE id = ?`), id).
		Scan(&staff, &invited, &lapsed, &horizon); err != nil {
		return 0, err
	}
	now := micros(t.now)
	lo, hi := min(now, horizon), max(now, horizon)
	var k int
	if lo < hi {
		if err := t.q.QueryRowContext(ctx, t.s.sql(lapsedSeats), id, lo, hi).Scan(&k); err != nil {
			return 0, err
		}
	}
	if now < horizon {
		return staff + invited - lapsed + k, nil
	}
	if k > 0 {
		if _, err := t.exec(ctx, `UPDATE {p}orgs SET lapsed = lapsed + ?, horizon = ? WHERE id = ?`, k, now, id); err != nil {
			return 0, err
		}
	}
	return staff + invited - lapsed - k, nil
}

// lapsedSeats counts the pending invitations for staff whose expiry is in a
// span of time, through invitations_seats. The kind (store.ForMember) and
// the status (store.Pending) are written out, not parameters, for
// PostgreSQL's generic plan to use the partial index.
const lapsedSeats = `SELECT COUNT(*) FROM {p}invitations WHERE org = ? AND kind = 1 AND status = 1 AND expires > ? AND expires <= ?`

// Member implements store.Store.
func (s *Store) Member(ctx context.Context, org, id ID) (store.Member, error) {
	if c := s.cache; c != nil && s.host == nil {
		m, err, hit, st := c.member(ctx, org, "", id)
		if hit {
			return s.at(m, err)
		}
		m, err = s.oneMember(ctx, s.reader(), "member "+id.String(), `WHERE m.org = ? AND m.id = ?`+liveOrg("m"), s.f.id(org), s.f.id(id))
		c.putMember(org, "", id, st, m, err)
		return s.at(m, err)
	}
	return s.at(s.oneMember(ctx, s.reader(), "member "+id.String(), `WHERE m.org = ? AND m.id = ?`+liveOrg("m"), s.f.id(org), s.f.id(id)))
}

// at settles m's grant at the time of a read outside a unit of work: a
// member kept by the cache, or read, before its end allows nothing once it
// has passed. It passes an error through.
func (s *Store) at(m store.Member, err ...error) (store.Member, error) {
	if !m.Until.IsZero() {
		m.At(s.env.Time())
	}
	if len(err) > 0 {
		return m, err[0]
	}
	return m, nil
}

// MemberByUser implements store.Store: one indexed query, and a second,
// of its role, only for a member of a custom role.
func (s *Store) MemberByUser(ctx context.Context, org ID, user string) (store.Member, error) {
	// Validated before the query: MySQL's PAD SPACE collations would
	// match "bob " to "bob".
	if err := rule.CheckUserID(user); err != nil {
		return store.Member{}, err
	}
	if c := s.cache; c != nil && s.host == nil {
		m, err, hit, st := c.member(ctx, org, user, ID{})
		if hit {
			return s.at(m, err)
		}
		m, err = s.memberByUser(ctx, org, user)
		c.putMember(org, user, ID{}, st, m, err)
		return s.at(m, err)
	}
	return s.at(s.memberByUser(ctx, org, user))
}

// memberByUser is MemberByUser from the database, for a valid user.
func (s *Store) memberByUser(ctx context.Context, org ID, user string) (store.Member, error) {
	return s.oneMember(ctx, s.reader(), "user "+user, `WHERE m.org = ? AND m.user_id = ?`+liveOrg("m"), s.f.id(org), user)
}

// Members implements store.Store.
func (s *Store) Members(ctx context.Context, org ID, f store.Filter, p store.Page) ([]store.Member, string, error) {
	if err := rule.CheckFilter(f); err != nil {
		return nil, "", err
	}
	q, args := s.membersQuery(org, f)
	return page(ctx, s, p, q, "m.id", args, s.scanMemberNow, func(m store.Member) ID { return m.ID })
}

// membersQuery is the query of Members with f, but for the page's cursor
// and limit: an index in the order of IDs serves each filter (members_role,
// members_status, members_kind, from migration 0006; 0007 on SQLite). A
// role the policy renamed, until PruneDrift rewrites its members, reads
// the rows of its names and orders them.
func (s *Store) membersQuery(org ID, f store.Filter) (string, []any) {
	q := `SELECT ` + memberCols + memberFrom + `WHERE m.org = ?` + liveOrg("m")
	args := []any{s.f.id(org)}
	if f.Status != 0 {
		q += ` AND m.status = ?`
		args = append(args, f.Status)
	}
	if f.Kind != 0 {
		q += ` AND m.kind = ?`
		args = append(args, f.Kind)
	}
	if f.Role != "" {
		// The names a member of the role may be stored under: the role's
		// and its aliases (a role the policy renamed). A former name
		// selects nobody, as the members read back under the current one.
		names := []string{f.Role}
		if r, ok := s.env.Policy.Role(f.Role); ok {
			names = append(names, r.Aliases...)
		} else if _, alias, _ := s.env.Policy.ResolveRole(f.Role); alias {
			names = nil
		}
		switch len(names) {
		case 0:
			q += ` AND 1 = 0`
		case 1:
			q += ` AND m.role = ?`
		default:
			q += ` AND m.role IN (?` + strings.Repeat(`, ?`, len(names)-1) + `)`
		}
		for _, n := range names {
			args = append(args, n)
		}
	}
	return q, args
}

// UserOrgs implements store.Store: one query a page, each member joined
// to its organisation's row.
func (s *Store) UserOrgs(ctx context.Context, user string, p store.Page) ([]store.Membership, string, error) {
	if err := rule.CheckUserID(user); err != nil {
		return nil, "", err
	}
	return page(ctx, s, p, `SELECT `+orgCols+`, `+memberCols+memberFrom+`
		JOIN {p}orgs o ON o.id = m.org AND o.deleted = 0 WHERE m.user_id = ?`, "m.org",
		[]any{user}, s.scanMembership, func(ms store.Membership) ID { return ms.Org.ID })
}

// scanMembership reads orgCols and memberCols.
func (s *Store) scanMembership(row scanner) (store.Membership, error) {
	var ms store.Membership
	var r orgRow
	m, err := s.scanMember(prefixed{row, r.dest(&ms.Org)})
	if err := r.finish(&ms.Org, err); err != nil {
		return store.Membership{}, err
	}
	ms.Member, err = s.at(m)
	return ms, err
}

// MemberByEmail implements store.Store.
func (s *Store) MemberByEmail(ctx context.Context, org ID, email string) (store.Member, error) {
	if err := rule.CheckNormalEmail(email); err != nil {
		return store.Member{}, err
	}
	return s.at(s.oneMember(ctx, s.reader(), "e-mail "+email, `WHERE m.org = ? AND m.email = ?`+liveOrg("m"), s.f.id(org), email))
}
