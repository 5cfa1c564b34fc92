package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/store"
)

const keyCols = `id, org, member_id, name, prefix, hash, created, perms, expires, last_used`

// keyColsK are keyCols of the api_keys table aliased k.
const keyColsK = `k.id, k.org, k.member_id, k.name, k.prefix, k.hash, k.created, k.perms, k.expires, k.last_used`

// keyDest holds a key row as scanned.
type keyDest struct {
	k                         store.Key
	hash                      []byte
	perms                     string
	created, expires, lastUse int64
}

func (d *keyDest) dests() []any {
	return []any{&d.k.ID, &d.k.Org, &d.k.Member, &d.k.Name, &d.k.Prefix, &d.hash, &d.created, &d.perms, &d.expires, &d.lastUse}
}

func (s *Store) keyOf(d *keyDest) (store.Key, error) {
	k := d.k
	copy(k.Hash[:], d.hash)
	k.Created = fromMicros(d.created)
	if d.expires != 0 {
		k.Expires = fromMicros(d.expires)
	}
	if d.lastUse != 0 {
		k.LastUsed = fromMicros(d.lastUse)
	}
	k.Perms = s.decodeSet(store.FieldPerms, d.perms, &k.Stale)
	return k, nil
}

func (s *Store) scanKey(row scanner) (store.Key, error) {
	var d keyDest
	if err := row.Scan(d.dests()...); err != nil {
		return store.Key{}, err
	}
	return s.keyOf(&d)
}

// memberID is a key's member as stored: NULL for a service key.
func (t *tx) memberID(id ID) any {
	if id == (ID{}) {
		return nil
	}
	return t.id(id)
}

// timeOrZero is t in microseconds, or 0 for the zero time.
func timeOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

// Key implements store.Tx.
func (t *tx) Key(ctx context.Context, id ID) (store.Key, error) {
	k, err := t.s.scanKey(t.q.QueryRowContext(ctx, t.s.sql(`SELECT `+keyCols+` FROM {p}api_keys WHERE org = ? AND id = ?`), t.id(t.org.ID), t.id(id)))
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
	perms, err := t.s.setText(store.FieldPerms, k.Perms, k.Stale)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO {p}api_keys (`+keyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.id(k.ID), t.id(k.Org), t.memberID(k.Member), k.Name, k.Prefix, k.Hash[:], micros(k.Created), perms,
		timeOrZero(k.Expires), timeOrZero(k.LastUsed))
	return t.s.unique(err, "key "+k.ID.String(), nil, store.ErrConflict)
}

// DeleteKey implements store.Tx.
func (t *tx) DeleteKey(ctx context.Context, id ID) error {
	return t.deleted(t.exec(ctx, `DELETE FROM {p}api_keys WHERE org = ? AND id = ?`, t.id(t.org.ID), t.id(id)))("key " + id.String())
}

// ExpireKey implements store.Tx.
func (t *tx) ExpireKey(ctx context.Context, id ID, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE {p}api_keys SET expires = ? WHERE org = ? AND id = ?`, micros(at), t.id(t.org.ID), t.id(id))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	// MySQL counts the rows changed, not the rows found: an expiry set to
	// what it was is no missing key.
	_, err = t.Key(ctx, id)
	return err
}

// Keys implements store.Store.
func (s *Store) Keys(ctx context.Context, org, memberID ID, p store.Page) ([]store.Key, string, error) {
	q, args := `SELECT `+keyCols+` FROM {p}api_keys WHERE org = ? AND member_id = ?`+liveOrg("{p}api_keys"), []any{s.f.id(org), s.f.id(memberID)}
	if memberID == (ID{}) {
		q, args = `SELECT `+keyCols+` FROM {p}api_keys WHERE org = ? AND member_id IS NULL`+liveOrg("{p}api_keys"), []any{s.f.id(org)}
	}
	ks, next, err := page(ctx, s, p, q, "id", args, s.scanKey, func(k store.Key) ID { return k.ID })
	if err == nil && len(ks) == 0 && p.After == "" {
		// No keys, or no such member (organisation): the read that tells
		// them apart costs a query only when the list is empty.
		if memberID == (ID{}) {
			_, err = s.Org(ctx, org)
		} else {
			_, err = s.Member(ctx, org, memberID)
		}
		if err != nil {
			return nil, "", err
		}
	}
	return ks, next, err
}

// CountKeys implements store.Tx.
func (t *tx) CountKeys(ctx context.Context, memberID ID) (int, error) {
	var n int
	var err error
	if memberID == (ID{}) {
		err = t.q.QueryRowContext(ctx, t.s.sql(`SELECT COUNT(*) FROM {p}api_keys WHERE org = ? AND member_id IS NULL`), t.id(t.org.ID)).Scan(&n)
	} else {
		err = t.q.QueryRowContext(ctx, t.s.sql(`SELECT COUNT(*) FROM {p}api_keys WHERE org = ? AND member_id = ?`),
			t.id(t.org.ID), t.id(memberID)).Scan(&n)
	}
	return n, err
}

// KeyByHash implements store.Store.
func (s *Store) KeyByHash(ctx context.Context, hash [32]byte) (store.Key, error) {
	if c := s.cache; c != nil && s.host == nil {
		k, hit, applied := c.key(ctx, hash)
		if hit {
			return k, nil
		}
		k, err := s.keyByHash(ctx, hash)
		if err == nil {
			c.putKey(hash, applied, k)
		}
		return k, err
	}
	return s.keyByHash(ctx, hash)
}

func (s *Store) keyByHash(ctx context.Context, hash [32]byte) (store.Key, error) {
	k, err := s.scanKey(s.reader().QueryRowContext(ctx, s.sql(`SELECT `+keyCols+` FROM {p}api_keys WHERE hash = ?`+liveOrg("{p}api_keys")), hash[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Key{}, fmt.Errorf("key: %w", store.ErrNotFound)
	}
	return k, err
}

var _ store.KeyHolderReader = (*Store)(nil)

// liveOrgK passes the keys of a deleted organisation by.
var liveOrgK = liveOrg("k")

// keyHolderQuery reads a key by its hash with its member and the member's
// custom role, if any: one indexed lookup and two primary-key joins. A
// service key's member columns are NULL, read as a member's zero values.
var keyHolderQuery = `SELECT ` + keyColsK + `, m.id IS NOT NULL,
	COALESCE(m.id, k.id), COALESCE(m.org, k.org), COALESCE(m.user_id, ''), COALESCE(m.email, ''), COALESCE(m.name, ''),
	COALESCE(m.role, ''), COALESCE(m.allow, ''), COALESCE(m.deny, ''), COALESCE(m.scopes, ''), COALESCE(m.status, 0),
	COALESCE(m.kind, 0), COALESCE(m.profile, ''), COALESCE(m.created, 0), COALESCE(m.updated, 0), COALESCE(m.ends, 0), COALESCE(m.ends_noted, 0), COALESCE(r.perms, '')
	FROM {p}api_keys k LEFT JOIN {p}members m ON m.id = k.member_id LEFT JOIN {p}roles r ON r.org = m.org AND r.name = m.role
	WHERE k.hash = ?` + liveOrgK

// KeyHolder implements store.KeyHolderReader: one query, a JOIN of the key
// with its member and the member's custom role. With the request cache, a
// key it holds costs no query, and its member none when cached too; a key
// it lacks, the one query, whose key it keeps.
func (s *Store) KeyHolder(ctx context.Context, hash [32]byte) (store.Key, store.Member, error) {
	c := s.cache
	if c == nil || s.host != nil {
		return s.keyHolder(ctx, hash)
	}
	k, hit, applied := c.key(ctx, hash)
	if !hit {
		k, m, err := s.keyHolder(ctx, hash)
		if err == nil {
			c.putKey(hash, applied, k)
		}
		return k, m, err
	}
	if k.Service() {
		return k, store.Member{}, nil
	}
	m, err := s.Member(ctx, k.Org, k.Member)
	return k, m, err
}

func (s *Store) keyHolder(ctx context.Context, hash [32]byte) (store.Key, store.Member, error) {
	var d keyDest
	var hasMember bool
	mr := &memberRow{}
	row := s.reader().QueryRowContext(ctx, s.sql(keyHolderQuery), hash[:])
	err := row.Scan(append(append(d.dests(), &hasMember), mr.dests()...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Key{}, store.Member{}, fmt.Errorf("key: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Key{}, store.Member{}, err
	}
	k, err := s.keyOf(&d)
	if err != nil {
		return store.Key{}, store.Member{}, err
	}
	if !hasMember {
		return k, store.Member{}, nil
	}
	m, err := s.at(s.memberOf(mr))
	return k, m, err
}

var _ store.KeyUsageWriter = (*Store)(nil)

// TouchKeys implements store.KeyUsageWriter: one UPDATE per key, outside
// any unit of work, each keeping the latest use.
func (s *Store) TouchKeys(ctx context.Context, uses []store.KeyUse) error {
	for _, u := range uses {
		at := micros(u.At)
		if _, err := s.reader().ExecContext(ctx, s.sql(`UPDATE {p}api_keys SET last_used = ? WHERE org = ? AND id = ? AND last_used < ?`),
			at, s.f.id(u.Org), s.f.id(u.Key), at); err != nil {
			return err
		}
	}
	return nil
}
