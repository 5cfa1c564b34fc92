package pgxv5_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rosterhq/roster/internal/bell"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/sqlstore/pgxv5"
	"github.com/rosterhq/roster/store"
	"github.com/rosterhq/roster/store/storetest"
)

// TestConformance runs the conformance suite and the state machine on a
// Store whose every unit of work runs inside a pgx.Tx of the host, through
// InTx, and commits when the host commits it; the feed's and the member
// list's reads too. What the suite asks of a store holds of the rules in
// the host's pgx transaction.
func TestConformance(t *testing.T) {
	var mu sync.Mutex
	pools := map[*testing.T]*pgxpool.Pool{}
	storetest.Run(t, func(t *testing.T, env store.Env) store.Store {
		mu.Lock()
		pool, ok := pools[t]
		if !ok {
			pool = newPool(t)
			pools[t] = pool
			t.Cleanup(func() {
				mu.Lock()
				delete(pools, t)
				mu.Unlock()
			})
		}
		mu.Unlock()
		return &inPgxTx{Store: newStore(t, pool, env), pool: pool}
	}, storetest.Options{MachineRuns: 5, SkipRegressions: true, SkipPairRace: true, Leftovers: leftovers})
}

// leftovers is storetest.Leftovers: the rows of org in the tables of an
// organisation's records (sqlstore's purge tables), read on the pool.
func leftovers(t *testing.T, s store.Store, org store.ID) int {
	t.Helper()
	w := s.(*inPgxTx)
	n := 0
	for _, table := range []string{"api_keys", "members", "invitations", "requests", "roles", "code_attempts", "codes", "partners"} {
		var k int
		if err := w.pool.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+w.Prefix()+table+` WHERE org = $1`, org).Scan(&k); err != nil {
			t.Fatal(err)
		}
		n += k
	}
	return n
}

// inPgxTx is a Store that runs each unit of work, and the feed's and the
// member list's reads, in a pgx.Tx of its own, as a host would: begin,
// run the rules through pgxv5.InTx, commit or roll back. A deadlock or
// serialisation failure (store.ErrConflict, with the database's error) is
// run again, as InTx's documentation asks of the host. A store bound to a
// host's transaction cannot tell the feed's followers of a commit, which is
// the host's: after each commit, inPgxTx rings a bell of its own, which its
// Changes returns (the suite's Follow test waits for that with an hour's
// poll).
type inPgxTx struct {
	*sqlstore.Store
	pool *pgxpool.Pool
	bell bell.Bell
}

var _ store.TokenUpdater = (*inPgxTx)(nil)

// in runs fn with the Store bound to a new pgx.Tx, and commits it if fn
// returns nil.
func (h *inPgxTx) in(ctx context.Context, fn func(s *sqlstore.Store) error) error {
	for attempt := 1; ; attempt++ {
		err := h.once(ctx, fn)
		var pg *pgconn.PgError
		if attempt < 4 && errors.Is(err, store.ErrConflict) && errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01") {
			continue
		}
		return err
	}
}

func (h *inPgxTx) once(ctx context.Context, fn func(s *sqlstore.Store) error) error {
	tx, err := h.pool.Begin(ctx)
	if err != nil {
		return err
	}
	// Also after a panic in fn, which goes on to the caller.
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(pgxv5.InTx(h.Store, tx)); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	h.bell.Ring()
	return nil
}

// Changes implements store.Store: a commit of the host's transaction
// rings it.
func (h *inPgxTx) Changes() <-chan struct{} { return h.bell.Wait() }

func (h *inPgxTx) InsertOrg(ctx context.Context, o store.Org, fn func(store.Tx) error) error {
	return h.in(ctx, func(s *sqlstore.Store) error { return s.InsertOrg(ctx, o, fn) })
}

func (h *inPgxTx) Update(ctx context.Context, org store.ID, fn func(store.Tx) error) error {
	return h.in(ctx, func(s *sqlstore.Store) error { return s.Update(ctx, org, fn) })
}

func (h *inPgxTx) UpdatePair(ctx context.Context, a, b store.ID, fn func(ta, tb store.Tx) error) error {
	return h.in(ctx, func(s *sqlstore.Store) error { return s.UpdatePair(ctx, a, b, fn) })
}

func (h *inPgxTx) UpdateByToken(ctx context.Context, hash [32]byte, fn func(store.Tx, store.Invitation) error) error {
	return h.in(ctx, func(s *sqlstore.Store) error { return s.UpdateByToken(ctx, hash, fn) })
}

func (h *inPgxTx) Members(ctx context.Context, org store.ID, f store.Filter, p store.Page) (ms []store.Member, next string, err error) {
	err = h.in(ctx, func(s *sqlstore.Store) error {
		ms, next, err = s.Members(ctx, org, f, p)
		return err
	})
	return ms, next, err
}

func (h *inPgxTx) Events(ctx context.Context, org store.ID, after int64, limit int) (evs []store.Event, err error) {
	err = h.in(ctx, func(s *sqlstore.Store) error {
		evs, err = s.Events(ctx, org, after, limit)
		return err
	})
	return evs, err
}

func (h *inPgxTx) Feed(ctx context.Context, after int64, limit int) (evs []store.Event, err error) {
	err = h.in(ctx, func(s *sqlstore.Store) error {
		evs, err = s.Feed(ctx, after, limit)
		return err
	})
	return evs, err
}
