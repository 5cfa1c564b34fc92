package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/store"
)

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
	return t.s.unique(err, "key "+k.ID.String(), nil, store.ErrConflict)
}

// DeleteKey implements store.Tx.
func (t *tx) DeleteKey(ctx context.Context, id ID) error {
	return t.deleted(t.exec(ctx, `DELETE FROM {p}api_keys WHERE org = ? AND id = ?`, t.id(t.org.ID), t.id(id)))("key " + id.String())
}

// Keys implements store.Store.
func (s *Store) Keys(ctx context.Context, org, memberID ID, p store.Page) ([]store.Key, string, error) {
	ks, next, err := page(ctx, s, p, `SELECT `+keyCols+` FROM {p}api_keys WHERE org = ? AND member_id = ?`+liveOrg("{p}api_keys"), "id",
		[]any{s.f.id(org), s.f.id(memberID)}, scanKey, func(k store.Key) ID { return k.ID })
	if err == nil && len(ks) == 0 && p.After == "" {
		// No keys, or no such member: the read that tells them apart
		// costs a query only when the list is empty.
		if _, err := s.Member(ctx, org, memberID); err != nil {
			return nil, "", err
		}
	}
	return ks, next, err
}

// CountKeys implements store.Tx.
func (t *tx) CountKeys(ctx context.Context, memberID ID) (int, error) {
	var n int
	err := t.q.QueryRowContext(ctx, t.s.sql(`SELECT COUNT(*) FROM {p}api_keys WHERE org = ? AND member_id = ?`),
		t.id(t.org.ID), t.id(memberID)).Scan(&n)
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
	k, err := scanKey(s.reader().QueryRowContext(ctx, s.sql(`SELECT `+keyCols+` FROM {p}api_keys WHERE hash = ?`+liveOrg("{p}api_keys")), hash[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Key{}, fmt.Errorf("key: %w", store.ErrNotFound)
	}
	return k, err
}
