package memstore

import (
	"context"
	"maps"
	"slices"

	"github.com/rosterhq/roster/store"
)

// Append implements store.Tx.
func (t *tx) Append(ctx context.Context, e *store.Event) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	e.Seq = int64(len(o.events)) + 1
	o.events = append(o.events, copyEvent(*e))
	t.undo = append(t.undo, func() { o.events = o.events[:len(o.events)-1] })
	return nil
}

func copyEvent(e store.Event) store.Event {
	e.Before, e.After = copyState(e.Before), copyState(e.After)
	return e
}

func copyState(s store.State) store.State {
	s.Allow, s.Deny, s.Scopes = slices.Clone(s.Allow), slices.Clone(s.Deny), slices.Clone(s.Scopes)
	s.Profile = maps.Clone(s.Profile)
	return s
}

// Events implements store.Store.
func (s *Store) Events(ctx context.Context, orgID ID, after int64, limit int) ([]store.Event, error) {
	o, ok := s.lookup(orgID)
	if !ok {
		return nil, nil
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if after < 0 {
		after = 0
	}
	n := store.Page{Limit: limit}.Size()
	var out []store.Event
	for i := after; i < int64(len(o.events)) && len(out) < n; i++ {
		out = append(out, copyEvent(o.events[i]))
	}
	return out, nil
}
