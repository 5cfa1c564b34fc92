package memstore_test

import (
	"testing"

	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
	"github.com/rosterhq/roster/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, env store.Env) store.Store {
		s, err := memstore.New(env)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
