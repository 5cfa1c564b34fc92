package store

import (
	"context"
	"fmt"
	"time"

	"github.com/rosterhq/roster/internal/errs"
)

// ErrPruned: a feed position is behind the feed's horizon; its events were
// pruned. The error says the earliest position still kept.
var ErrPruned = errs.Pruned

// Feed is the store's change feed: every event of every organisation, in
// one order that a reader follows with one cursor. Both memstore and
// sqlstore implement it.
//
// The guarantee: each committed event appears exactly once, with a position
// (Event.Pos) greater than every position handed out before it; an event of
// a unit of work that rolled back never appears; and the events of one
// organisation appear in their order in its audit log (Event.Seq). A
// position is given to an event after it commits, when a reader next asks
// for changes, so that a unit of work that commits late can never fall
// behind a reader's cursor. How soon a reader sees an event is how often it
// asks: Follow asks at once after a commit through the same Store, and
// otherwise at most FollowOptions.MaxWait after the last time.
type Feed interface {
	// Changes returns up to limit events with Pos > after, in Pos order
	// (limit <= 0 means DefaultPageSize, at most MaxPageSize). A position
	// before the feed's horizon is ErrPruned.
	Changes(ctx context.Context, after int64, limit int) ([]Event, error)
	// Cursor returns the position that the named subscription has
	// handled, 0 for a name never advanced. Names are 1 to 200 bytes.
	Cursor(ctx context.Context, name string) (int64, error)
	// Advance records that the named subscription has handled every
	// event up to pos. It never moves a cursor back: a pos at or behind
	// the cursor changes nothing. A pos beyond the feed's last position
	// is ErrInvalid.
	Advance(ctx context.Context, name string, pos int64) error
	// Prune deletes the events that were written before the time and are
	// in the feed, and moves the horizon past them. They leave the audit
	// logs too. It returns how many it deleted.
	Prune(ctx context.Context, before time.Time) (int, error)
}

// Notifier is an optional capability of a Feed: a channel that is closed at
// the next commit of a unit of work through the same store, so that a
// follower in the same process wakes at once instead of at its next poll.
type Notifier interface {
	Changed() <-chan struct{}
}

// FollowOptions tunes Follow. The zero value is usable.
type FollowOptions struct {
	// Batch is the most events handed to fn at once; 0 means 100.
	Batch int
	// MinWait and MaxWait bound the wait between two polls of a feed that
	// had nothing new: it starts at MinWait and doubles up to MaxWait.
	// Zero means 10 ms and 1 s.
	MinWait, MaxWait time.Duration
}

// Follow hands fn every event after the named subscription's cursor, in
// batches, and advances the cursor after fn returns nil: at-least-once
// delivery, in which a crash between fn and the advance hands the batch to
// fn again on the next start. When the feed has nothing new it waits,
// polling with backoff (FollowOptions) and woken at once by a commit
// through the same store if it is a Notifier. It returns when ctx ends
// (with ctx's error), or with fn's error, the batch not advanced.
//
// A consumer that writes to the same database can advance the cursor in
// its own transaction instead: handle the batch and call Advance on
// sqlstore's InTx store, so that the two commit together.
func Follow(ctx context.Context, f Feed, name string, fn func(ctx context.Context, batch []Event) error, o FollowOptions) error {
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.MinWait <= 0 {
		o.MinWait = 10 * time.Millisecond
	}
	if o.MaxWait <= 0 {
		o.MaxWait = time.Second
	}
	if o.MaxWait < o.MinWait {
		o.MaxWait = o.MinWait
	}
	n, _ := f.(Notifier)
	pos, err := f.Cursor(ctx, name)
	if err != nil {
		return err
	}
	wait := o.MinWait
	for {
		var changed <-chan struct{}
		if n != nil {
			changed = n.Changed() // before reading, so that no commit slips between
		}
		batch, err := f.Changes(ctx, pos, o.Batch)
		if err != nil {
			return err
		}
		if len(batch) > 0 {
			if err := fn(ctx, batch); err != nil {
				return err
			}
			last := batch[len(batch)-1].Pos
			if err := f.Advance(ctx, name, last); err != nil {
				return fmt.Errorf("advancing %q to %d: %w", name, last, err)
			}
			pos, wait = last, o.MinWait
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-changed:
			wait = o.MinWait
		case <-t.C:
			wait = min(2*wait, o.MaxWait)
		}
		t.Stop()
	}
}
