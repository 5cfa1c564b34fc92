package memstore

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/store"
)

// Org implements store.Tx.
func (t *tx) Org(ctx context.Context) (store.Org, error) {
	if err := live(ctx); err != nil {
		return store.Org{}, err
	}
	return t.o.rec, nil
}

// PutOrg implements store.Tx.
func (t *tx) PutOrg(ctx context.Context, rec store.Org) error {
	if err := live(ctx); err != nil {
		return err
	}
	if rec.ID != t.o.rec.ID {
		return fmt.Errorf("%w: PutOrg cannot change the organisation's ID", store.ErrInvalid)
	}
	prev := t.o.rec
	t.o.rec = rec
	t.undo = append(t.undo, func() { t.o.rec = prev })
	return nil
}

// DeleteOrg implements store.Tx.
func (t *tx) DeleteOrg(ctx context.Context) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	saved := o.orgData
	for u := range o.byUser {
		t.touchUser(u)
	}
	for h := range o.byHash {
		t.touchHash(h)
	}
	for _, k := range o.keys {
		t.touchKey(k.Hash)
	}
	for pid := range o.partners {
		t.touchPartner(pid)
	}
	o.orgData = newOrg(o.rec).orgData
	o.deleted = true
	t.undo = append(t.undo, func() { o.orgData = saved })
	return nil
}

// Org implements store.Store.
func (s *Store) Org(ctx context.Context, id ID) (store.Org, error) {
	var rec store.Org
	err := s.readOrg(id, func(o *org) error { rec = o.rec; return nil })
	return rec, err
}
