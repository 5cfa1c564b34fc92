package pgxv5_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
)

// The tests run against the PostgreSQL server that ROSTER_TEST_POSTGRES
// names, in a schema of their own with a random name, dropped at the end.
// Without it the package's tests and examples cannot run: TestMain says so
// and exits 0, or fails when ROSTER_TEST_REQUIRE_DB=1, as CI sets it.
const (
	envPostgres = "ROSTER_TEST_POSTGRES" // e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
	envRequire  = "ROSTER_TEST_REQUIRE_DB"
)

// dsn is this run's DSN, with the run's schema as its search_path.
var dsn string

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	base := os.Getenv(envPostgres)
	if base == "" {
		msg := "sqlstore/pgxv5: the tests need " + envPostgres + " set to a PostgreSQL DSN"
		if os.Getenv(envRequire) == "1" {
			fmt.Fprintln(os.Stderr, msg+" ("+envRequire+"=1)")
			return 1
		}
		fmt.Fprintln(os.Stderr, msg+"; not run")
		return 0
	}
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "roster_pgx_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		fmt.Fprintf(os.Stderr, "PostgreSQL at %s: %v\n", envPostgres, err)
		return 1
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	u, err := url.Parse(base)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s must be a URL: %v\n", envPostgres, err)
		return 1
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	dsn = u.String()
	return m.Run()
}

// newPool returns a pool on this run's schema, closed when t ends.
func newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 16
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

var prefixes atomic.Int64

// newStore returns a migrated store with tables of its own on pool,
// through database/sql (stdlib.OpenDBFromPool).
func newStore(t testing.TB, pool *pgxpool.Pool, env store.Env) *sqlstore.Store {
	t.Helper()
	db := stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { db.Close() })
	s, err := sqlstore.New(db, sqlstore.Postgres, env, sqlstore.Options{Prefix: fmt.Sprintf("x%d_", prefixes.Add(1))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
