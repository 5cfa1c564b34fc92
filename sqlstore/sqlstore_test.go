package sqlstore_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/rosterhq/roster/store/storetest"
)

// The suite on each dialect. The state machine's run counts suit CI with
// -race, where SQLite, a C library translated to Go, runs some twenty times
// slower; ROSTER_SOAK=N multiplies them. SQLite also runs the regressions
// and the differential test against memstore (the same sequences side by
// side: the same answers, states and events); PostgreSQL and MySQL the
// random concurrent operations, and PostgreSQL the pair race.

func TestSQLite(t *testing.T) {
	suite(t, sqlstore.SQLite, storetest.Options{
		MachineRuns:          20,
		Reference:            memFactory,
		DifferentialRuns:     25,
		SkipRandomConcurrent: true,
		SkipPairRace:         true,
	})
}

func TestPostgres(t *testing.T) {
	suite(t, sqlstore.Postgres, storetest.Options{MachineRuns: 10, SkipRegressions: true})
}

func TestMySQL(t *testing.T) {
	suite(t, sqlstore.MySQL, storetest.Options{MachineRuns: 10, SkipRegressions: true, SkipPairRace: true})
}

// TestFeed is the change feed under load on each dialect: writers on many
// organisations, units of work held open and rolled back, and a follower on
// a connection pool of its own.
func TestFeed(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres, sqlstore.MySQL} {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			storetest.Feed(t, factory(d), func(t *testing.T, s store.Store) store.Store {
				ss := s.(*sqlstore.Store)
				r, err := sqlstore.New(openDB(t, d), d, *ss.Env(), sqlstore.Options{Prefix: ss.Prefix()})
				if err != nil {
					t.Fatal(err)
				}
				return r
			})
		})
	}
}

func suite(t *testing.T, d sqlstore.Dialect, opts storetest.Options) {
	requireDB(t, d)
	opts.Leftovers = leftovers
	storetest.Run(t, factory(d), opts)
}

// leftovers is storetest.Leftovers for sqlstore.
func leftovers(t *testing.T, s store.Store, org store.ID) int {
	t.Helper()
	n, err := sqlstore.Leftovers(context.Background(), s.(*sqlstore.Store), org)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// factory returns a factory of migrated stores on d, each with tables of its
// own. The stores one test makes share a connection pool, which closes when
// the test ends: the state machine makes a store per run, and a pool each
// would hold as many connections open until the end of its round.
func factory(d sqlstore.Dialect) storetest.Factory {
	var mu sync.Mutex
	pools := map[*testing.T]*sql.DB{}
	return func(t *testing.T, env store.Env) store.Store {
		mu.Lock()
		db, ok := pools[t]
		if !ok {
			db = openDB(t, d)
			pools[t] = db
			t.Cleanup(func() {
				mu.Lock()
				delete(pools, t)
				mu.Unlock()
			})
		}
		mu.Unlock()
		return storeOn(t, db, d, env)
	}
}

func memFactory(t *testing.T, env store.Env) store.Store {
	s, err := memstore.New(env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
