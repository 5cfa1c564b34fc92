package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rosterhq/roster/store"
)

// EndedMembers implements store.Tx: a walk of the organisation's members,
// for the sweep.
func (t *tx) EndedMembers(ctx context.Context, limit int) ([]store.Member, error) {
	if err := live(ctx); err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, fmt.Errorf("%w: limit %d", store.ErrInvalid, limit)
	}
	var out []store.Member
	for _, m := range t.o.members {
		if !m.EndRecorded && m.Expired(t.now) {
			c := cloneMember(m)
			c.At(t.now)
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b store.Member) int {
		return cmp.Or(a.Until.Compare(b.Until), compareID(a.ID, b.ID))
	})
	return out[:min(limit, len(out))], nil
}

// EndedPartnerships implements store.Tx.
func (t *tx) EndedPartnerships(ctx context.Context, limit int) ([]store.Partnership, error) {
	if err := live(ctx); err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, fmt.Errorf("%w: limit %d", store.ErrInvalid, limit)
	}
	var out []store.Partnership
	for _, ps := range t.o.partners {
		if !ps.EndRecorded && ps.Expired(t.now) {
			out = append(out, ps)
		}
	}
	slices.SortFunc(out, func(a, b store.Partnership) int {
		return cmp.Or(a.Until.Compare(b.Until), compareID(a.ID, b.ID))
	})
	return out[:min(limit, len(out))], nil
}

// EndsDue implements store.Store: a walk of every organisation, for the
// sweep.
func (s *Store) EndsDue(ctx context.Context, now time.Time, limit int) ([]store.ID, error) {
	if limit < 1 {
		return nil, fmt.Errorf("%w: limit %d", store.ErrInvalid, limit)
	}
	s.mu.RLock()
	orgs := make([]*org, 0, len(s.orgs))
	for _, o := range s.orgs {
		orgs = append(orgs, o)
	}
	s.mu.RUnlock()
	var out []store.ID
	for _, o := range orgs {
		o.mu.RLock()
		due := !o.deleted && o.endsDue(now)
		id := o.rec.ID
		o.mu.RUnlock()
		if due {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, compareID)
	return out[:min(limit, len(out))], nil
}

// endsDue reports whether a member or partnership of o has an end due by
// now and not recorded; o.mu must be held.
func (o *org) endsDue(now time.Time) bool {
	for _, m := range o.members {
		if !m.EndRecorded && m.Expired(now) {
			return true
		}
	}
	for _, ps := range o.partners {
		if !ps.EndRecorded && ps.Expired(now) {
			return true
		}
	}
	return false
}
