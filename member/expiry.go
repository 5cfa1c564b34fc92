package member

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// Access that expires. A member (staff or external collaborator) may carry
// an end, store.Member.Until, set when it is added (NewMember.Until), when
// its invitation or access request says so, or later with SetExpiry. From
// its end on, every read answers no for it (MemberByUser, Member,
// Principal and so invite.Grant, the request cache, its API keys), judged by
// the clock at the read, without waiting for any job; inside a unit of work
// it cannot act (ErrInactive).
//
// An ended member keeps its record, role, keys and seat, as an inactive
// member does, until it is removed or its end is moved: the staff count does
// not change when an end comes, so seats do not depend on whether a sweep
// has run. Moving the end past now (SetExpiry) restores exactly what it had.
//
// The end is written to the audit log once (store.MemberExpired, with no
// actor), by whichever comes first: ExpireDue, a worker's sweep;
// RecordEndsTx, in any unit of work; or a rule that acts on the ended member
// (it records the end before its own change).

// SetExpiry sets, moves (extends or shortens) or clears (the zero time)
// target's end. An end must come after now (store.ErrInvalid): to end access
// now, deactivate or remove. It is a change like a role's: gated by
// access.ChangeRole, refused on oneself (ErrSelf), on the owner, who has no
// end (ErrOwnerProtected), and on a member holding more than the actor
// (ErrEscalation). It writes MemberExpiryChanged, unless the end is the same.
func SetExpiry(ctx context.Context, s store.Store, org, actor, target store.ID, until time.Time) (store.Member, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Member, error) { return SetExpiryTx(ctx, tx, actor, target, until) })
}

// SetExpiryTx is SetExpiry inside a unit of work.
func SetExpiryTx(ctx context.Context, tx store.Tx, actor, target store.ID, until time.Time) (store.Member, error) {
	until, err := rule.CheckUntil(until, tx.Now())
	if err != nil {
		return store.Member{}, err
	}
	a, err := rule.GatedActor(ctx, tx, actor, access.ChangeRole)
	if err != nil {
		return store.Member{}, err
	}
	t, err := rule.LoadTarget(ctx, tx, &a, target)
	if err != nil {
		return store.Member{}, err
	}
	if t.Until.Equal(until) {
		return t, nil
	}
	next := t
	next.Until, next.EndRecorded, next.Updated = until, false, tx.Now()
	if err := rule.ResolveIn(ctx, tx, &next); err != nil {
		return store.Member{}, err
	}
	if err := tx.PutMember(ctx, next); err != nil {
		return store.Member{}, err
	}
	next.At(tx.Now())
	return next, rule.Emit(ctx, tx, store.Event{Type: store.MemberExpiryChanged, Actor: a.Party(), Target: next.Party(),
		Before: store.State{Until: t.Until}, After: store.State{Until: until}})
}

// RecordEndsTx records, in a unit of work, the ends of up to limit members
// of its organisation that have come by its time and are not recorded
// (each once: store.MemberExpired), and returns how many it recorded. A
// host may call it in any unit of work; a limit below 1 is store.ErrInvalid.
func RecordEndsTx(ctx context.Context, tx store.Tx, limit int) (int, error) {
	return rule.RecordEnds(ctx, tx, limit)
}

// ExpireDue is the sweep a worker runs (every minute, say): it records the
// ends that have come and are not recorded, of members (store.MemberExpired)
// and of partnerships (store.PartnerExpired, in both organisations), in up
// to limit organisations, each in its own unit of work, and returns how many
// ends it recorded. Access does not wait for it (every read judges the end
// by the clock): it only writes the log, once per end, whichever of
// concurrent sweeps and units of work comes first. An organisation deleted
// meanwhile is skipped. A limit below 1 is store.ErrInvalid.
func ExpireDue(ctx context.Context, s store.Store, limit int) (int, error) {
	if limit < 1 {
		return 0, fmt.Errorf("%w: limit %d", store.ErrInvalid, limit)
	}
	orgs, err := s.EndsDue(ctx, s.Env().Time(), limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, org := range orgs {
		var ended []store.Partnership
		var k int
		err := s.Update(ctx, org, func(tx store.Tx) error {
			var err error
			if k, err = rule.RecordEnds(ctx, tx, rule.MaxEndsPerUnit); err != nil {
				return err
			}
			ended, err = tx.EndedPartnerships(ctx, rule.MaxEndsPerUnit)
			return err
		})
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		n += k // counted once its unit of work committed
		for _, ps := range ended {
			done := false
			err := s.UpdatePair(ctx, ps.Org, ps.Partner, func(g, p store.Tx) error {
				cur, err := g.Partnership(ctx, ps.ID)
				if errors.Is(err, store.ErrNotFound) {
					return nil // revoked meanwhile
				}
				if err != nil {
					return err
				}
				done, err = rule.RecordPartnerEnd(ctx, g, p, cur)
				return err
			})
			if errors.Is(err, store.ErrNotFound) {
				// The partner organisation was deleted (or the granting
				// one, meanwhile): the granting organisation records the
				// end alone, so that the sweep does not return to it.
				err = s.Update(ctx, ps.Org, func(g store.Tx) error {
					cur, err := g.Partnership(ctx, ps.ID)
					if errors.Is(err, store.ErrNotFound) {
						return nil
					}
					if err != nil {
						return err
					}
					done, err = rule.RecordPartnerEnd(ctx, g, nil, cur)
					return err
				})
			}
			if err == nil && done {
				n++
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return n, err
			}
		}
	}
	return n, nil
}
