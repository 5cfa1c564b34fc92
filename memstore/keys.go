package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rosterhq/roster/store"
)

func (t *tx) keyByHash(h [32]byte) bool {
	_, ok := t.o.keyHashes[h]
	return ok
}

// setKey and unsetKey add and remove k with its indexes.
func (o *org) setKey(k store.Key) {
	o.keys[k.ID] = k
	o.keyHashes[k.Hash] = k.ID
	ids := o.memberKeys[k.Member]
	if i, found := slices.BinarySearchFunc(ids, k.ID, compareID); !found {
		o.memberKeys[k.Member] = slices.Insert(ids, i, k.ID)
	}
}

func (o *org) unsetKey(k store.Key) {
	delete(o.keys, k.ID)
	delete(o.keyHashes, k.Hash)
	ids := o.memberKeys[k.Member]
	if i, found := slices.BinarySearchFunc(ids, k.ID, compareID); found {
		ids = slices.Delete(ids, i, i+1)
	}
	if len(ids) == 0 {
		delete(o.memberKeys, k.Member)
	} else {
		o.memberKeys[k.Member] = ids
	}
}

// Key implements store.Tx.
func (t *tx) Key(ctx context.Context, id ID) (store.Key, error) {
	if err := live(ctx); err != nil {
		return store.Key{}, err
	}
	k, ok := t.o.keys[id]
	if !ok {
		return store.Key{}, fmt.Errorf("key %v: %w", id, store.ErrNotFound)
	}
	return cloneKey(k), nil
}

// cloneKey copies k, sharing nothing of it that a caller could change.
func cloneKey(k store.Key) store.Key {
	k.Stale = slices.Clone(k.Stale)
	return k
}

// PutKey implements store.Tx.
func (t *tx) PutKey(ctx context.Context, k store.Key) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	if k.Org != o.rec.ID {
		return fmt.Errorf("%w: key does not belong to organisation %v", store.ErrInvalid, o.rec.ID)
	}
	if _, ok := o.members[k.Member]; !ok && !k.Service() {
		return fmt.Errorf("key's member %v: %w", k.Member, store.ErrNotFound)
	}
	// What a store that keeps names would read back (store.StaleName).
	p := t.s.env.Policy
	k.Stale = slices.Clone(k.Stale)
	if err := store.RestateKey(p, p, &k); err != nil {
		return fmt.Errorf("%w: key %v: %w", store.ErrInvalid, k.ID, err)
	}
	if _, exists := o.keys[k.ID]; exists || t.keyByHash(k.Hash) || t.s.keyHashTaken(k.Hash, o.rec.ID) {
		return fmt.Errorf("%w: key %v or its hash exists", store.ErrConflict, k.ID)
	}
	o.setKey(k)
	t.touchKey(k.Hash)
	t.undo = append(t.undo, func() { o.unsetKey(k) })
	return nil
}

// keyHashTaken reports whether another organisation than org holds a key
// with the hash (org's own keys are in its keyHashes, which a unit of work
// that deleted one has updated already).
func (s *Store) keyHashTaken(h [32]byte, org ID) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	owner, ok := s.keys[h]
	return ok && owner != org
}

// DeleteKey implements store.Tx.
func (t *tx) DeleteKey(ctx context.Context, id ID) error {
	if err := live(ctx); err != nil {
		return err
	}
	k, ok := t.o.keys[id]
	if !ok {
		return fmt.Errorf("key %v: %w", id, store.ErrNotFound)
	}
	t.deleteKey(k)
	return nil
}

// ExpireKey implements store.Tx.
func (t *tx) ExpireKey(ctx context.Context, id ID, at time.Time) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	k, ok := o.keys[id]
	if !ok {
		return fmt.Errorf("key %v: %w", id, store.ErrNotFound)
	}
	nk := k
	nk.Expires = at.UTC().Truncate(time.Microsecond)
	o.keys[id] = nk
	t.undo = append(t.undo, func() { o.keys[id] = k })
	return nil
}

func (t *tx) deleteKey(k store.Key) {
	o := t.o
	o.unsetKey(k)
	t.touchKey(k.Hash)
	t.undo = append(t.undo, func() { o.setKey(k) })
}

// Keys implements store.Store.
func (s *Store) Keys(ctx context.Context, orgID, memberID ID, p store.Page) ([]store.Key, string, error) {
	if memberID == (ID{}) {
		if _, err := s.Org(ctx, orgID); err != nil {
			return nil, "", err
		}
	} else if _, err := s.Member(ctx, orgID, memberID); err != nil {
		return nil, "", err
	}
	return pageOf(s, orgID, p, func(o *org) []ID { return o.keysOf(memberID) }, func(o *org, id ID) (store.Key, bool) {
		k, ok := o.keys[id]
		return cloneKey(k), ok
	})
}

// keysOf returns the IDs of the member's keys (the service keys' for the
// zero ID), sorted.
func (o *org) keysOf(memberID ID) []ID {
	return o.memberKeys[memberID]
}

// CountKeys implements store.Tx.
func (t *tx) CountKeys(ctx context.Context, memberID ID) (int, error) {
	if err := live(ctx); err != nil {
		return 0, err
	}
	return len(t.o.memberKeys[memberID]), nil
}

// KeyByHash implements store.Store.
func (s *Store) KeyByHash(ctx context.Context, hash [32]byte) (store.Key, error) {
	k, _, err := s.KeyHolder(ctx, hash)
	return k, err
}

var _ store.KeyHolderReader = (*Store)(nil)

// KeyHolder implements store.KeyHolderReader: the organisation by the hash,
// then, under its read lock, the key by the hash and its member by ID: map
// reads, no scan.
func (s *Store) KeyHolder(ctx context.Context, hash [32]byte) (store.Key, store.Member, error) {
	s.mu.RLock()
	orgID, ok := s.keys[hash]
	s.mu.RUnlock()
	var k store.Key
	var m store.Member
	err := fmt.Errorf("key: %w", store.ErrNotFound)
	if ok {
		_ = s.readOrg(orgID, func(o *org) error {
			id, ok := o.keyHashes[hash]
			if !ok {
				return nil
			}
			k = cloneKey(o.keys[id])
			if k.Service() {
				err = nil
				return nil
			}
			if mp, ok := o.members[k.Member]; ok {
				m, err = cloneMember(mp), nil
				s.at(&m) // the key stops with its member's access
			}
			return nil
		})
	}
	if err != nil {
		return store.Key{}, store.Member{}, err
	}
	return k, m, nil
}

var _ store.KeyUsageWriter = (*Store)(nil)

// TouchKeys implements store.KeyUsageWriter.
func (s *Store) TouchKeys(ctx context.Context, uses []store.KeyUse) error {
	if err := live(ctx); err != nil {
		return err
	}
	for _, u := range uses {
		o, ok := s.lookup(u.Org)
		if !ok {
			continue
		}
		at := u.At.UTC().Truncate(time.Microsecond)
		o.mu.Lock()
		if k, ok := o.keys[u.Key]; ok && !o.deleted && k.LastUsed.Before(at) {
			k.LastUsed = at
			o.keys[u.Key] = k
		}
		o.mu.Unlock()
	}
	return nil
}
