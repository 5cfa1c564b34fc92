package sqlstore_test

import (
	"testing"

	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/rosterhq/roster/store/storetest"
)

func suite(d sqlstore.Dialect) func(t *testing.T) {
	return func(t *testing.T) {
		requireDB(t, d)
		storetest.Run(t, func(t *testing.T, env store.Env) store.Store {
			s, _ := newStore(t, d, env)
			return s
		})
	}
}

func TestSQLite(t *testing.T)   { suite(sqlstore.SQLite)(t) }
func TestPostgres(t *testing.T) { suite(sqlstore.Postgres)(t) }
func TestMySQL(t *testing.T)    { suite(sqlstore.MySQL)(t) }
