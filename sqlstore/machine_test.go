package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/rosterhq/roster/store/storetest"
)

// The state machine (storetest.Machine) on SQL. The run counts suit CI
// with -race, where SQLite, a C library translated to Go, runs some twenty
// times slower; ROSTER_SOAK=N multiplies them.

// machineFactory returns a factory of stores on one connection pool to d,
// each with tables of its own: the state machine makes one store per run.
func machineFactory(t *testing.T, d sqlstore.Dialect) storetest.Factory {
	db := openDB(t, d)
	return func(t *testing.T, env store.Env) store.Store {
		s, err := sqlstore.New(db, d, env, sqlstore.Options{Prefix: fmt.Sprintf("m%d_", prefixes.Add(1))})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}
}

func memFactory(t *testing.T, env store.Env) store.Store {
	s, err := memstore.New(env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMachineSQLite(t *testing.T) {
	storetest.MachineRuns(t, machineFactory(t, sqlstore.SQLite), 20)
}

func TestMachinePostgres(t *testing.T) {
	storetest.MachineRuns(t, machineFactory(t, sqlstore.Postgres), 10)
}

func TestMachineMySQL(t *testing.T) { storetest.MachineRuns(t, machineFactory(t, sqlstore.MySQL), 10) }

// TestDifferential runs the same sequences on memstore and SQLite side by
// side: the same answers, states and events.
func TestDifferential(t *testing.T) {
	storetest.DifferentialRuns(t, memFactory, machineFactory(t, sqlstore.SQLite), 25)
}

// Random operations from many goroutines on one database.
func TestRandomConcurrentPostgres(t *testing.T) {
	storetest.RandomConcurrent(t, machineFactory(t, sqlstore.Postgres))
}

func TestRandomConcurrentMySQL(t *testing.T) {
	storetest.RandomConcurrent(t, machineFactory(t, sqlstore.MySQL))
}

func TestPairRacePostgres(t *testing.T) { storetest.PairRace(t, machineFactory(t, sqlstore.Postgres)) }

// TestRegressionsSQLite replays the sequences the machine found
// (storetest's known.go).
func TestRegressionsSQLite(t *testing.T) {
	storetest.Regressions(t, machineFactory(t, sqlstore.SQLite))
}
