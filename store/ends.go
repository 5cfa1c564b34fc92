package store

import (
	"context"
	"time"
)

// EndTx is the part of a unit of work that finds the ends to record: the
// members and partnerships whose access ended (Member.Until,
// Partnership.Until) and whose end the audit log does not hold yet
// (EndRecorded false). Tx embeds it.
type EndTx interface {
	// EndedMembers returns up to limit members of the organisation whose
	// end is at or before the unit of work's time (Now) and not recorded,
	// earliest end first (then by ID). A limit below 1 is ErrInvalid.
	EndedMembers(ctx context.Context, limit int) ([]Member, error)
	// EndedPartnerships returns up to limit partnerships that the
	// organisation grants whose end is at or before Now and not recorded,
	// earliest end first (then by ID). A limit below 1 is ErrInvalid.
	EndedPartnerships(ctx context.Context, limit int) ([]Partnership, error)
}

// EndReader is the part of a Store that a sweep of ends reads from. Store
// embeds it.
type EndReader interface {
	// EndsDue returns up to limit organisations, by ID, that have a member,
	// or grant a partnership, whose end is at or before now and not
	// recorded. A deleted organisation has none. A limit below 1 is
	// ErrInvalid.
	EndsDue(ctx context.Context, now time.Time, limit int) ([]ID, error)
}
