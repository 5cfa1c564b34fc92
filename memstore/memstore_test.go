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
	storetest.Run(t, memFactory, storetest.Options{MachineRuns: 1000, Leftovers: leftovers})
}

// TestFeed is the change feed under load: writers on many organisations,
// units of work held open and rolled back, and a follower.
func TestFeed(t *testing.T) {
	t.Run("memstore", func(t *testing.T) {
		storetest.Feed(t, memFactory, func(_ *testing.T, s store.Store) store.Store { return s })
	})
}

// plain hides the optional fast paths of a store (store.PrincipalReader,
// store.TokenUpdater), so that the rules take their fallbacks.
type plain struct{ store.Store }

// TestStoreWithoutFastPaths runs the suite on memstore seen as a plain
// store.Store: invite.Grant and the token path then read through the core
// contract, and must answer exactly as the fast paths do.
func TestStoreWithoutFastPaths(t *testing.T) {
	storetest.Run(t, func(t *testing.T, env store.Env) store.Store {
		s := plain{memFactory(t, env)}
		if _, ok := store.Store(s).(store.PrincipalReader); ok {
			t.Fatal("plain still offers the principal fast path")
		}
		return s
	}, storetest.Options{MachineRuns: 100, SkipRandomConcurrent: true, SkipPairRace: true, Leftovers: func(t *testing.T, s store.Store, org store.ID) int {
		return leftovers(t, s.(plain).Store, org)
	}})
}

// leftovers is storetest.Leftovers for memstore.
func leftovers(_ *testing.T, s store.Store, org store.ID) int {
	return memstore.Leftovers(s.(*memstore.Store), org)
}
