package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	_ "modernc.org/sqlite"
)

// The database tests run against the servers these variables name; without
// them they skip, unless ROSTER_TEST_REQUIRE_DB=1 makes a skip a failure.
// Each run works in a database (MySQL) or schema (PostgreSQL) of its own,
// with a random name, dropped at the end.
const (
	envPostgres = "ROSTER_TEST_POSTGRES" // e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
	envMySQL    = "ROSTER_TEST_MYSQL"    // e.g. root@tcp(127.0.0.1:3306)/test
	envRequire  = "ROSTER_TEST_REQUIRE_DB"
)

// dsns holds this run's DSNs, set up by TestMain.
var dsns = map[sqlstore.Dialect]string{}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	name := "roster_test_" + randomHex(6)
	if dsn := os.Getenv(envPostgres); dsn != "" {
		cleanup, err := setupPostgres(ctx, dsn, name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "PostgreSQL at %s: %v\n", envPostgres, err)
			return 1
		}
		defer cleanup()
	}
	if dsn := os.Getenv(envMySQL); dsn != "" {
		cleanup, err := setupMySQL(ctx, dsn, name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "MySQL at %s: %v\n", envMySQL, err)
			return 1
		}
		defer cleanup()
	}
	dir, err := os.MkdirTemp("", "roster-sqlite-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	dsns[sqlstore.SQLite] = dir
	return m.Run()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// setupPostgres creates a schema for this run and points the DSN at it.
func setupPostgres(ctx context.Context, dsn, schema string) (func(), error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		return nil, err
	}
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsns[sqlstore.Postgres] = u.String()
	} else {
		dsns[sqlstore.Postgres] = dsn + " search_path=" + schema
	}
	return func() {
		_, _ = db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		db.Close()
	}, nil
}

// setupMySQL creates a database for this run and points the DSN at it.
func setupMySQL(ctx context.Context, dsn, name string) (func(), error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		return nil, err
	}
	cfg.DBName = name
	dsns[sqlstore.MySQL] = cfg.FormatDSN()
	return func() {
		_, _ = db.ExecContext(ctx, "DROP DATABASE "+name)
		db.Close()
	}, nil
}

// requireDB skips the test without a server for d, or fails it when
// ROSTER_TEST_REQUIRE_DB=1.
func requireDB(t testing.TB, d sqlstore.Dialect) {
	t.Helper()
	if _, ok := dsns[d]; ok {
		return
	}
	v := map[sqlstore.Dialect]string{sqlstore.Postgres: envPostgres, sqlstore.MySQL: envMySQL}[d]
	msg := fmt.Sprintf("%s tests need %s set to a DSN", d, v)
	if os.Getenv(envRequire) == "1" {
		t.Fatal(msg + " (ROSTER_TEST_REQUIRE_DB=1)")
	}
	t.Skip(msg)
}

// openDB opens a connection pool on this run's database of dialect d.
func openDB(t testing.TB, d sqlstore.Dialect) *sql.DB {
	t.Helper()
	requireDB(t, d)
	var db *sql.DB
	var err error
	switch d {
	case sqlstore.Postgres:
		db, err = sql.Open("pgx", dsns[d])
	case sqlstore.MySQL:
		db, err = sql.Open("mysql", dsns[d])
	case sqlstore.SQLite:
		db, err = sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(dsns[d], sqliteFile(t))))
	}
	if err != nil {
		t.Fatal(err)
	}
	// Keep as many idle connections as the benchmarks have clients, as a
	// service sizes its pool: at database/sql's default of two, the others
	// are closed after each use and reopened (a new backend on PostgreSQL,
	// a cold page cache on SQLite), and that is what a run would measure.
	db.SetMaxIdleConns(2 * clients)
	t.Cleanup(func() { db.Close() })
	return db
}

var prefixes atomic.Int64

// sqliteFile names the SQLite database of test t: one file per test, which
// all the pools a test opens share. In one file for the whole run, every
// connection would parse the schema of every store the run had created, and
// under the race detector the SQLite tests took minutes longer.
func sqliteFile(t testing.TB) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, t.Name()) + ".db"
}

// newStore returns a migrated store on d, with tables of its own, on a
// connection pool of its own.
func newStore(t testing.TB, d sqlstore.Dialect, env store.Env) (*sqlstore.Store, *sql.DB) {
	t.Helper()
	db := openDB(t, d)
	return storeOn(t, db, d, env), db
}

// storeOn returns a migrated store on db, with tables of its own.
func storeOn(t testing.TB, db *sql.DB, d sqlstore.Dialect, env store.Env) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.New(db, d, env, sqlstore.Options{Prefix: fmt.Sprintf("t%d_", prefixes.Add(1))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}
