package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

const invitationCols = `id, org, kind, email, role, allow, deny, scopes, profile, invited_by, status, token_hash, sealed,
	ttl, sent, expires, resends, joined, created, updated, member_ends`

var invitationColumns = strings.FieldsFunc(invitationCols, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })

// invitationColsOf is invitationCols of the table named as.
func invitationColsOf(as string) string {
	return as + "." + strings.Join(invitationColumns, ", "+as+".")
}

// tokenInvitationCols are the invitation's columns lockByToken reads.
var tokenInvitationCols = invitationColsOf("i")

func (s *Store) scanInvitation(row scanner) (store.Invitation, error) {
	var i store.Invitation
	var allow, deny, scopes, profile, by string
	var hash []byte
	var ttl, sent, expires, created, updated, ends int64
	if err := row.Scan(&i.ID, &i.Org, &i.Kind, &i.Email, &i.Role, &allow, &deny, &scopes, &profile, &by, &i.Status,
		&hash, &i.Sealed, &ttl, &sent, &expires, &i.Resends, &i.Joined, &created, &updated, &ends); err != nil {
		return store.Invitation{}, err
	}
	var err error
	i.Role = store.DecodeRole(s.env.Policy, store.FieldRole, i.Role, &i.Stale)
	i.Allow = s.decodeSet(store.FieldAllow, allow, &i.Stale)
	i.Deny = s.decodeSet(store.FieldDeny, deny, &i.Stale)
	if i.Scopes, err = parseScopes(scopes); err != nil {
		return store.Invitation{}, fmt.Errorf("sqlstore: invitation %v: scopes: %w", i.ID, err)
	}
	if i.Profile, err = parseProfile(profile); err != nil {
		return store.Invitation{}, fmt.Errorf("sqlstore: invitation %v: profile: %w", i.ID, err)
	}
	if err := parseJSON(by, &i.InvitedBy); err != nil {
		return store.Invitation{}, fmt.Errorf("sqlstore: invitation %v: %w", i.ID, err)
	}
	if len(i.Sealed) == 0 {
		i.Sealed = nil
	}
	copy(i.TokenHash[:], hash)
	i.TTL = time.Duration(ttl) * time.Microsecond
	i.Until = fromMicros(ends)
	i.Sent, i.Expires, i.Created, i.Updated = fromMicros(sent), fromMicros(expires), fromMicros(created), fromMicros(updated)
	return i, nil
}

// invitationValues are i's invitationColumns as the database stores them.
func (t *tx) invitationValues(i *store.Invitation) ([]any, error) {
	allow, err := t.s.setText(store.FieldAllow, i.Allow, i.Stale)
	if err != nil {
		return nil, err
	}
	deny, err := t.s.setText(store.FieldDeny, i.Deny, i.Stale)
	if err != nil {
		return nil, err
	}
	role := store.EncodeRole(t.s.env.Policy, store.FieldRole, i.Role, i.Stale)
	var sealed any
	if len(i.Sealed) > 0 {
		sealed = i.Sealed
	}
	return []any{t.id(i.ID), t.id(i.Org), int64(i.Kind), i.Email, role, allow, deny, scopesText(i.Scopes), profileText(i.Profile),
		jsonText(i.InvitedBy), int64(i.Status), i.TokenHash[:], sealed, i.TTL.Microseconds(), micros(i.Sent), micros(i.Expires),
		int64(i.Resends), t.id(i.Joined), micros(i.Created), micros(i.Updated), micros(i.Until)}, nil
}

// oneInvitation reads the invitation that where selects.
func (s *Store) oneInvitation(ctx context.Context, q queryer, what, where string, args ...any) (store.Invitation, error) {
	return one(ctx, s, q, s.scanInvitation, what, `SELECT `+invitationCols+` FROM {p}invitations `+where, args...)
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
	return t.sawInvitation(t.s.oneInvitation(ctx, t.q, "pending invitation for "+email, pendingWhere(t.s.Dialect()),
		t.id(t.org.ID), kind, email))
}

// PutInvitation implements store.Tx.
func (t *tx) PutInvitation(ctx context.Context, i store.Invitation) error {
	if i.Org != t.org.ID {
		return fmt.Errorf("%w: invitation does not belong to organisation %v", store.ErrInvalid, t.org.ID)
	}
	// The organisation's invitation counters (orgs.invited and lapsed, see
	// Seats) change with the invitation's status and expiry: by what this
	// unit of work knows of the row, after the write; else in one
	// statement before it, from the row as stored, as PutMember keeps the
	// staff counter.
	old, known := t.invs[i.ID]
	if !known {
		if _, err := t.exec(ctx, `UPDATE {p}orgs SET
			invited = invited + ? - (SELECT COUNT(*) FROM {p}invitations i WHERE i.org = ? AND i.id = ? AND i.kind = ? AND i.status = ?),
			lapsed = lapsed + (CASE WHEN ? <= horizon THEN ? ELSE 0 END) - (SELECT COUNT(*) FROM {p}invitations i
				WHERE i.org = ? AND i.id = ? AND i.kind = ? AND i.status = ? AND i.expires <= {p}orgs.horizon)
			WHERE id = ?`,
			seat(i), t.id(t.org.ID), t.id(i.ID), store.ForMember, store.Pending,
			micros(i.Expires), seat(i), t.id(t.org.ID), t.id(i.ID), store.ForMember, store.Pending, t.id(t.org.ID)); err != nil {
			return err
		}
	}
	if err := putKnown(ctx, t, &t.invs, i.ID, i, "invitations", invitationColumns, t.invitationValues, func(err error) error {
		return t.s.unique(err, "invitation "+i.ID.String(), map[string]error{"invitations_one_pending": store.ErrAlreadyInvited}, store.ErrConflict)
	}); err != nil {
		return err
	}
	if known && (seat(i) != seat(old) || seat(i) == 1 && !i.Expires.Equal(old.Expires)) {
		_, err := t.exec(ctx, `UPDATE {p}orgs SET invited = invited + ?,
			lapsed = lapsed + (CASE WHEN ? <= horizon THEN ? ELSE 0 END) - (CASE WHEN ? <= horizon THEN ? ELSE 0 END) WHERE id = ?`,
			seat(i)-seat(old), micros(i.Expires), seat(i), micros(old.Expires), seat(old), t.id(t.org.ID))
		return err
	}
	return nil
}

// seat is 1 for a pending invitation for staff, which holds a seat until
// its expiry, else 0.
func seat(i store.Invitation) int {
	if i.Kind == store.ForMember && i.Status == store.Pending {
		return 1
	}
	return 0
}

// pendingWhere selects the pending invitation of a kind for an e-mail, in
// the form the one-open index serves (see flavor.open). It takes the
// Dialect, not its flavor, for the test hook OpenLookups.
func pendingWhere(d Dialect) string {
	return `WHERE org = ? AND kind = ? AND ` + d.flavor().open("email", "pending_email")
}

// Invitation implements store.Store.
func (s *Store) Invitation(ctx context.Context, org, id ID) (store.Invitation, error) {
	return s.oneInvitation(ctx, s.reader(), "invitation "+id.String(), `WHERE org = ? AND id = ?`+liveOrg("{p}invitations"), s.f.id(org), s.f.id(id))
}

// InvitationByHash implements store.Store.
func (s *Store) InvitationByHash(ctx context.Context, hash [32]byte) (store.Invitation, error) {
	return s.oneInvitation(ctx, s.reader(), "invitation token", `WHERE token_hash = ?`+liveOrg("{p}invitations"), hash[:])
}

// Invitations implements store.Store.
func (s *Store) Invitations(ctx context.Context, org ID, f store.InvitationFilter, p store.Page) ([]store.Invitation, string, error) {
	q, args := s.invitationsQuery(org, f)
	return page(ctx, s, p, q, "id", args, s.scanInvitation, func(i store.Invitation) ID { return i.ID })
}

// invitationsQuery is the query of Invitations with f, but for the page's
// cursor and limit.
func (s *Store) invitationsQuery(org ID, f store.InvitationFilter) (string, []any) {
	q := `SELECT ` + invitationCols + ` FROM {p}invitations WHERE org = ?` + liveOrg("{p}invitations")
	args := []any{s.f.id(org)}
	if f.Status != 0 {
		// Written out, not a parameter (InvitationStatus is a uint8, so
		// the text is digits): the pending list reads the partial index
		// invitations_pending in PostgreSQL's generic plan too.
		q += ` AND status = ` + strconv.Itoa(int(f.Status))
	}
	if f.Kind != 0 {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	return q, args
}

// InvitationOrg implements store.Store.
func (s *Store) InvitationOrg(ctx context.Context, hash [32]byte) (ID, error) {
	var org ID
	err := s.reader().QueryRowContext(ctx, s.sql(`SELECT org FROM {p}invitations WHERE token_hash = ?`+liveOrg("{p}invitations")), hash[:]).Scan(&org)
	if errors.Is(err, sql.ErrNoRows) {
		return ID{}, fmt.Errorf("invitation token: %w", store.ErrNotFound)
	}
	return org, err
}

// PendingInvitation implements store.Store.
func (s *Store) PendingInvitation(ctx context.Context, org ID, kind store.InvitationKind, email string) (store.Invitation, error) {
	if err := rule.CheckNormalEmail(email); err != nil {
		return store.Invitation{}, err
	}
	return s.oneInvitation(ctx, s.reader(), "pending invitation for "+email, pendingWhere(s.Dialect())+liveOrg("{p}invitations"), s.f.id(org), kind, email)
}
