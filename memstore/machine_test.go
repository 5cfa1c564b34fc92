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

// TestMachine runs the state machine against memstore: a thousand runs,
// times ROSTER_SOAK (see storetest.Machine).
func TestMachine(t *testing.T) { storetest.MachineRuns(t, memFactory, 1000) }

// TestRegressions replays the sequences the machine found (storetest's
// known.go).
func TestRegressions(t *testing.T) { storetest.Regressions(t, memFactory) }

// Units of work on one organisation and on a pair that includes it, at
// once (it found a data race, since fixed): run with -race.
func TestPairRace(t *testing.T) { storetest.PairRace(t, memFactory) }

func TestRandomConcurrent(t *testing.T) { storetest.RandomConcurrent(t, memFactory) }
