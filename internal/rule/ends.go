package rule

import (
	"context"
	"fmt"
	"time"

	"github.com/rosterhq/roster/store"
)

// MaxEndsPerUnit bounds the ends one unit of work records (RecordEnds): a
// sweep goes on with the rest in the next.
const MaxEndsPerUnit = 100

// CheckUntil validates an end given to a member or a partnership and
// returns it in UTC, truncated to microseconds as every store keeps times:
// the zero time (no end), or a time after now (ErrInvalid otherwise; to end
// access now, deactivate, remove or revoke).
func CheckUntil(until, now time.Time) (time.Time, error) {
	if until.IsZero() {
		return until, nil
	}
	until = until.UTC().Truncate(time.Microsecond)
	if !until.After(now) {
		return time.Time{}, fmt.Errorf("%w: an end (%v) must come after now (%v)", store.ErrInvalid,
			until.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	}
	return until, nil
}

// RecordEnd writes, once, that member m's access ended: m marked
// EndRecorded and a MemberExpired event, with no actor. A member whose end
// has not come by the unit of work's time, or is recorded already, is left
// as it is. m is updated in place.
func RecordEnd(ctx context.Context, tx store.Tx, m *store.Member) error {
	if m.EndRecorded || !m.Expired(tx.Now()) {
		return nil
	}
	next := *m
	next.EndRecorded = true
	if err := tx.PutMember(ctx, next); err != nil {
		return err
	}
	*m = next
	return Emit(ctx, tx, store.Event{Type: store.MemberExpired, Target: m.Party(),
		Before: store.State{Status: m.Status.String(), Until: m.Until}, After: store.State{Until: m.Until}})
}

// RecordEnds records the ends of up to limit members of the unit of work's
// organisation that have come and are not recorded (RecordEnd), and
// returns how many it recorded.
func RecordEnds(ctx context.Context, tx store.Tx, limit int) (int, error) {
	ms, err := tx.EndedMembers(ctx, limit)
	if err != nil {
		return 0, err
	}
	for i := range ms {
		if err := RecordEnd(ctx, tx, &ms[i]); err != nil {
			return i, err
		}
	}
	return len(ms), nil
}

// RecordPartnerEnd writes, once, that partnership ps ended: ps marked
// EndRecorded and a PartnerExpired event in each organisation, g the
// granting one's unit of work and p the partner's; p is nil when the
// partner organisation was deleted, whose log is closed: the granting
// organisation's records it alone. A partnership whose end has not come,
// or is recorded already, is left as it is.
func RecordPartnerEnd(ctx context.Context, g, p store.Tx, ps store.Partnership) (bool, error) {
	if ps.EndRecorded || !ps.Expired(g.Now()) {
		return false, nil
	}
	ps.EndRecorded = true
	if err := g.PutPartnership(ctx, ps); err != nil {
		return false, err
	}
	gOrg, err := g.Org(ctx)
	if err != nil {
		return false, err
	}
	pOrg := store.Org{ID: ps.Partner}
	if p != nil {
		if pOrg, err = p.Org(ctx); err != nil {
			return false, err
		}
	}
	st := store.State{Role: ps.Level, Scopes: ps.Scopes.Strings(), Until: ps.Until}
	if err := Emit(ctx, g, store.Event{Type: store.PartnerExpired, Object: ps.ID,
		Target: store.Party{Org: pOrg.ID, Name: pOrg.Name}, Before: st, After: store.State{Until: ps.Until}}); err != nil {
		return false, err
	}
	if p == nil {
		return true, nil
	}
	return true, Emit(ctx, p, store.Event{Type: store.PartnerExpired, Object: ps.ID,
		Target: store.Party{Org: gOrg.ID, Name: gOrg.Name}, Before: st, After: store.State{Until: ps.Until}})
}
