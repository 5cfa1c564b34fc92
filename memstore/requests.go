package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/store"
)

// Request implements store.Tx.
func (t *tx) Request(ctx context.Context, id ID) (store.Request, error) {
	if err := live(ctx); err != nil {
		return store.Request{}, err
	}
	r, ok := t.o.reqs[id]
	if !ok {
		return store.Request{}, fmt.Errorf("request %v: %w", id, store.ErrNotFound)
	}
	c := *r
	c.Stale = slices.Clone(c.Stale)
	return c, nil
}

// OpenRequest implements store.Tx.
func (t *tx) OpenRequest(ctx context.Context, user string) (store.Request, error) {
	if err := live(ctx); err != nil {
		return store.Request{}, err
	}
	id, ok := t.o.openReq[user]
	if !ok {
		return store.Request{}, fmt.Errorf("open request of %q: %w", user, store.ErrNotFound)
	}
	return *t.o.reqs[id], nil
}

// PutRequest implements store.Tx.
func (t *tx) PutRequest(ctx context.Context, r store.Request) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	if r.Org != o.rec.ID || r.ID == uuid.Nil {
		return fmt.Errorf("%w: request does not belong to organisation %v", store.ErrInvalid, o.rec.ID)
	}
	if err := store.RestateRequest(t.s.env.Policy, t.s.env.Policy, &r); err != nil {
		return fmt.Errorf("%w: request %v: %w", store.ErrInvalid, r.ID, err)
	}
	if r.Status == store.Asked {
		if id, ok := o.openReq[r.UserID]; ok && id != r.ID {
			return fmt.Errorf("%w: user %q", invite.ErrAlreadyRequested, r.UserID)
		}
	}
	prev := o.reqs[r.ID]
	if prev != nil {
		o.unsetRequest(prev)
	}
	o.setRequest(&r)
	t.undo = append(t.undo, func() {
		o.unsetRequest(&r)
		if prev != nil {
			o.setRequest(prev)
		}
	})
	return nil
}

func (o *org) setRequest(r *store.Request) {
	o.reqs[r.ID] = r
	if r.Status == store.Asked {
		o.openReq[r.UserID] = r.ID
	}
}

func (o *org) unsetRequest(r *store.Request) {
	delete(o.reqs, r.ID)
	if o.openReq[r.UserID] == r.ID {
		delete(o.openReq, r.UserID)
	}
}

// Code implements store.Tx.
func (t *tx) Code(ctx context.Context) (store.Code, error) {
	if err := live(ctx); err != nil {
		return store.Code{}, err
	}
	if t.o.code == nil {
		return store.Code{}, fmt.Errorf("access code: %w", store.ErrNotFound)
	}
	return *t.o.code, nil
}

// PutCode implements store.Tx.
func (t *tx) PutCode(ctx context.Context, c store.Code) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	prev := o.code
	if c.Hash == "" {
		o.code = nil
	} else {
		c.Org = o.rec.ID
		o.code = &c
	}
	t.undo = append(t.undo, func() { o.code = prev })
	return nil
}

// CodeAttempt implements store.Tx.
func (t *tx) CodeAttempt(ctx context.Context, user string) (store.CodeAttempt, error) {
	if err := live(ctx); err != nil {
		return store.CodeAttempt{}, err
	}
	a, ok := t.o.tries[user]
	if !ok {
		return store.CodeAttempt{}, fmt.Errorf("access code attempts of %q: %w", user, store.ErrNotFound)
	}
	return a, nil
}

// PutCodeAttempt implements store.Tx.
func (t *tx) PutCodeAttempt(ctx context.Context, a store.CodeAttempt) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	prev, had := o.tries[a.UserID]
	if a.Failures == 0 && a.LockedUntil.IsZero() {
		if !had {
			return nil
		}
		delete(o.tries, a.UserID)
	} else {
		if o.tries == nil {
			o.tries = make(map[string]store.CodeAttempt)
		}
		a.Org = o.rec.ID
		o.tries[a.UserID] = a
	}
	t.undo = append(t.undo, func() {
		if had {
			o.tries[a.UserID] = prev
		} else {
			delete(o.tries, a.UserID)
		}
	})
	return nil
}

// ClearCodeAttempts implements store.Tx.
func (t *tx) ClearCodeAttempts(ctx context.Context) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	prev := o.tries
	o.tries = nil
	t.undo = append(t.undo, func() { o.tries = prev })
	return nil
}

// Request implements store.Store.
func (s *Store) Request(ctx context.Context, orgID, id ID) (store.Request, error) {
	var r store.Request
	err := s.readOrg(orgID, func(o *org) error {
		c, ok := o.reqs[id]
		if !ok {
			return fmt.Errorf("request %v: %w", id, store.ErrNotFound)
		}
		r = *c
		r.Stale = slices.Clone(r.Stale)
		return nil
	})
	return r, err
}

// Requests implements store.Store.
func (s *Store) Requests(ctx context.Context, orgID ID, st store.RequestStatus, p store.Page) ([]store.Request, string, error) {
	return pageOf(s, orgID, p, func(o *org) []ID { return slices.SortedFunc(maps.Keys(o.reqs), compareID) },
		func(o *org, id ID) (store.Request, bool) {
			r := o.reqs[id]
			c := *r
			c.Stale = slices.Clone(c.Stale)
			return c, st == 0 || r.Status == st
		})
}
