package memstore_test

import (
	"testing"

	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
	"github.com/rosterhq/roster/store/storetest"
)

func memFactory(t *testing.T, env store.Env) store.Store {
	s, err := memstore.New(env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStore runs the whole suite on memstore: the conformance tests, the
// state machine (a thousand runs, times ROSTER_SOAK), the regressions, and
// the concurrency tests, PairRace among them (it found a data race, since
// fixed: run it with -race).
func TestStore(t *testing.T) {
	storetest.Run(t, memFactory, storetest.Options{MachineRuns: 1000})
}
