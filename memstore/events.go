package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/rosterhq/roster/internal/bell"
	"github.com/rosterhq/roster/store"
)

// Append implements store.Tx.
func (t *tx) Append(ctx context.Context, e *store.Event) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	e.Seq, e.Pos = o.pruned+int64(len(o.events))+1, 0
	rec := copyEvent(*e)
	o.events = append(o.events, &rec)
	t.appended = append(t.appended, &rec)
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
	i := max(after-o.pruned, 0)
	n := store.Page{Limit: limit}.Size()
	var out []store.Event
	for ; i < int64(len(o.events)) && len(out) < n; i++ {
		out = append(out, copyEvent(*o.events[i]))
	}
	return out, nil
}

// feedLog is the change feed: the events of every organisation in the order
// their units of work committed, which places them under the Store's lock,
// so a reader never sees a later position before an earlier one.
type feedLog struct {
	mu      sync.RWMutex
	events  []*store.Event // events[i] has Pos horizon+i+1
	horizon int64
	cursors map[string]int64
	bell    bell.Bell
}

// place gives the events of committed units of work their positions.
func (f *feedLog) place(txs ...*tx) {
	f.mu.Lock()
	placed := false
	for _, t := range txs {
		for _, e := range t.rewritten {
			if i := e.Pos - f.horizon - 1; i >= 0 && i < int64(len(f.events)) && f.events[i].Org == e.Org && f.events[i].Seq == e.Seq {
				f.events[i] = e
			}
		}
		t.rewritten = nil
		for _, e := range t.appended {
			e.Pos = f.horizon + int64(len(f.events)) + 1
			f.events = append(f.events, e)
			placed = true
			if t.unit != nil {
				t.unit.Events = append(t.unit.Events, e.Type)
			}
		}
		t.appended = nil
	}
	f.mu.Unlock()
	if placed {
		f.bell.Ring()
	}
}

// Feed implements store.Store.
func (s *Store) Feed(ctx context.Context, after int64, limit int) ([]store.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if after < 0 {
		return nil, fmt.Errorf("%w: feed position %d", store.ErrInvalid, after)
	}
	f := &s.feed
	f.mu.RLock()
	defer f.mu.RUnlock()
	if after < f.horizon {
		return nil, &store.PrunedError{After: after, Earliest: f.horizon + 1}
	}
	i := after - f.horizon
	n := store.Page{Limit: limit}.Size()
	var out []store.Event
	for ; i < int64(len(f.events)) && len(out) < n; i++ {
		out = append(out, copyEvent(*f.events[i]))
	}
	return out, nil
}

// Changes implements store.Store.
func (s *Store) Changes() <-chan struct{} { return s.feed.bell.Wait() }

// Cursor implements store.Store.
func (s *Store) Cursor(ctx context.Context, name string) (int64, error) {
	if err := store.CheckCursor(name, 0); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.feed.mu.RLock()
	defer s.feed.mu.RUnlock()
	return s.feed.cursors[name], nil
}

// Advance implements store.Store.
func (s *Store) Advance(ctx context.Context, name string, pos int64) error {
	if err := store.CheckCursor(name, pos); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f := &s.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cursors == nil {
		f.cursors = make(map[string]int64)
	}
	f.cursors[name] = max(f.cursors[name], pos)
	return nil
}

// Prune implements store.Store.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	f := &s.feed
	f.mu.Lock()
	// The feed is in commit order, not quite time order: prune up to the
	// first event of time before or later.
	n := len(f.events)
	for i, e := range f.events {
		if !e.Time.Before(before) {
			n = i
			break
		}
	}
	last := make(map[ID]int64) // organisation → last Seq pruned
	for _, e := range f.events[:n] {
		last[e.Org] = e.Seq
	}
	f.events = slices.Clone(f.events[n:])
	f.horizon += int64(n)
	horizon := f.horizon
	f.mu.Unlock()
	for id, seq := range last {
		o, ok := s.lookup(id)
		if !ok {
			continue
		}
		o.mu.Lock()
		if k := seq - o.pruned; k > 0 {
			o.events = slices.Clone(o.events[k:])
			o.pruned = seq
		}
		o.mu.Unlock()
	}
	return horizon, nil
}

// Erase implements store.Tx. A rewritten event replaces its record in the
// audit log, and in the feed once the unit of work commits: readers copy
// the records they read, so none is changed in place.
func (t *tx) Erase(ctx context.Context, er *store.Erasure) (int, error) {
	if err := live(ctx); err != nil {
		return 0, err
	}
	o := t.o
	n, err := er.Records(ctx, t, slices.SortedFunc(maps.Keys(o.invs), compareID), slices.SortedFunc(maps.Keys(o.reqs), compareID))
	if err != nil {
		return 0, err
	}
	for i, e := range o.events {
		rec := copyEvent(*e)
		if !er.Event(&rec) {
			continue
		}
		old := e
		o.events[i] = &rec
		t.undo = append(t.undo, func() { o.events[i] = old })
		t.rewritten = append(t.rewritten, &rec)
		n++
	}
	return n, nil
}
