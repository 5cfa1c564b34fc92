package store

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/rosterhq/roster/access"
)

// A PrunedError is what Feed returns for a position behind the horizon of
// Prune: the events after it that the reader has not seen are gone. It is
// ErrPruned.
type PrunedError struct {
	After    int64 // the position asked for
	Earliest int64 // the earliest position still kept: read after Earliest-1
}

func (e *PrunedError) Error() string {
	return fmt.Sprintf("%v: the feed after position %d is gone; it starts at %d", ErrPruned, e.After, e.Earliest)
}

// Is makes a *PrunedError match ErrPruned.
func (e *PrunedError) Is(target error) bool { return target == ErrPruned }

// MaxCursorName is the longest name of a durable cursor, in bytes.
const MaxCursorName = 200

// CheckCursor refuses, with ErrInvalid, a cursor name that is empty, longer
// than MaxCursorName, not UTF-8 or with control or format characters, and a
// negative position.
func CheckCursor(name string, pos int64) error {
	if name == "" || len(name) > MaxCursorName || !utf8.ValidString(name) {
		return fmt.Errorf("%w: a cursor name is 1 to %d bytes of UTF-8", ErrInvalid, MaxCursorName)
	}
	if err := access.CheckText(name); err != nil {
		return fmt.Errorf("%w: cursor name: %w", ErrInvalid, err)
	}
	if pos < 0 {
		return fmt.Errorf("%w: feed position %d", ErrInvalid, pos)
	}
	return nil
}

// FollowOptions tune Follow. The zero value is ready to use.
type FollowOptions struct {
	// Batch is the most events handed over at once: 0 means 100, more
	// than MaxPageSize is MaxPageSize.
	Batch int
	// MinWait and MaxWait bound the wait between reads that found
	// nothing: it starts at MinWait (0 means 10 ms) and doubles up to
	// MaxWait (0 means 500 ms). A commit through the same Store ends the
	// wait at once; MaxWait is the longest an event committed by another
	// process waits before Follow reads it.
	MinWait, MaxWait time.Duration
	// OnError, if set, is told of each error reading the feed or moving
	// the cursor; Follow waits and tries again after it.
	OnError func(error)
}

// Follow hands the change feed to handle, a batch at a time, from the
// durable cursor name on, and advances the cursor after each batch that
// handle accepted (returned nil for): every event reaches handle at least
// once, and an event is handed over again only if handle failed or the
// process stopped between handle's return and the cursor's advance. Between
// reads that found nothing it waits, as FollowOptions says.
//
// Follow returns when ctx ends, with ctx's error; when handle fails, with
// handle's error (the batch comes again on the next Follow); and when the
// cursor is behind the feed's horizon (a *PrunedError) or name is not a
// valid name (ErrInvalid). It retries other errors of the store, after a
// wait.
//
// A handler that writes to the same SQL database can advance the cursor in
// its own transaction instead (sqlstore's AdvanceTx) and return nil: the
// cursor's later Advance to the same position changes nothing.
func Follow(ctx context.Context, s Store, name string, opts FollowOptions, handle func(context.Context, []Event) error) error {
	if err := CheckCursor(name, 0); err != nil {
		return err
	}
	batch := Page{Limit: opts.Batch}.Size()
	if opts.Batch <= 0 {
		batch = 100
	}
	minWait, maxWait := opts.MinWait, opts.MaxWait
	if minWait <= 0 {
		minWait = 10 * time.Millisecond
	}
	if maxWait <= 0 {
		maxWait = 500 * time.Millisecond
	}
	minWait = min(minWait, maxWait)
	wait := minWait
	failed := func(err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, ErrPruned) || errors.Is(err, ErrInvalid) {
			return err
		}
		if opts.OnError != nil {
			opts.OnError(err)
		}
		return nil
	}
	pos, known := int64(0), false
	for {
		var err error
		if !known {
			if pos, err = s.Cursor(ctx, name); err == nil {
				known = true
			}
		}
		// Listen before reading, so that a commit between the read and
		// the wait ends the wait.
		changed := s.Changes()
		var evs []Event
		if err == nil {
			evs, err = s.Feed(ctx, pos, batch)
		}
		if err == nil && len(evs) > 0 {
			if err := handle(ctx, evs); err != nil {
				return err
			}
			last := evs[len(evs)-1].Pos
			if err := s.Advance(ctx, name, last); err != nil {
				if err := failed(err); err != nil {
					return err
				}
			}
			pos, wait = last, minWait
			continue
		}
		if err != nil {
			if err := failed(err); err != nil {
				return err
			}
			changed = nil // after an error, wait out the timer
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-changed:
			t.Stop()
			wait = minWait
		case <-t.C:
			wait = min(2*wait, maxWait)
		}
	}
}
