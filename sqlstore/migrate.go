package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed migrations
var migrations embed.FS

// A migration is one numbered SQL file of a dialect.
type migration struct {
	version int
	name    string
	stmts   []string
}

// loadMigrations returns the dialect's migrations in order, with the table
// prefix in place.
func (s *Store) loadMigrations() ([]migration, error) { return loadMigrations(s.f, s.prefix) }

// loadMigrations returns the migrations of flavor f in order, with the
// table prefix in place.
func loadMigrations(f *flavor, prefix string) ([]migration, error) {
	dir := path.Join("migrations", f.name)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("sqlstore: migration %s is not named NNNN_name.sql", e.Name())
		}
		body, err := fs.ReadFile(migrations, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), stmts: statements(strings.ReplaceAll(string(body), "{p}", prefix))})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	return out, nil
}

// statements splits a migration into statements: each ends with a
// semicolon at the end of a line. Comment lines are dropped.
func statements(body string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(body) {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			if st := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"); st != "" {
				out = append(out, st)
			}
			cur.Reset()
		}
	}
	if st := strings.TrimSpace(cur.String()); st != "" {
		out = append(out, st)
	}
	return out
}

// Migrate brings the schema up to date: it applies, in order, each embedded
// migration of the dialect that the table {prefix}migrations does not
// record, one transaction each (MySQL commits DDL as it goes, so its
// migrations are written to be re-run safely). It is idempotent, and safe
// when several processes migrate at once: they take turns under an advisory
// lock on PostgreSQL, GET_LOCK on MySQL, and an immediate transaction on
// SQLite.
func (s *Store) Migrate(ctx context.Context) error { return s.migrate(ctx, math.MaxInt) }

// migrate applies the migrations up to version upTo.
func (s *Store) migrate(ctx context.Context, upTo int) error {
	if s.host != nil {
		return fmt.Errorf("sqlstore: Migrate runs on the Store from New, not on one bound to a transaction")
	}
	all, err := s.loadMigrations()
	if err != nil {
		return err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	unlock, err := s.f.migrationLock(ctx, conn, s.prefix+"migrate")
	if err != nil {
		return err
	}
	defer unlock()
	table := s.prefix + "migrations"
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+table+` (version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("sqlstore: creating %s: %w", table, err)
	}
	for _, m := range all {
		if m.version > upTo {
			break
		}
		if err := s.apply(ctx, conn, table, m); err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// apply runs one migration unless it is recorded already.
func (s *Store) apply(ctx context.Context, conn *sql.Conn, table string, m migration) error {
	commit, rollback := "COMMIT", "ROLLBACK"
	if _, err := conn.ExecContext(ctx, s.f.begin); err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), rollback)
		}
	}()
	var n int
	if err := conn.QueryRowContext(ctx, s.f.rebind(`SELECT COUNT(*) FROM `+table+` WHERE version = ?`), m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		done = true
		_, err := conn.ExecContext(ctx, commit)
		return err
	}
	for _, st := range m.stmts {
		if _, err := conn.ExecContext(ctx, st); err != nil && !(s.f.reapplied != nil && s.f.reapplied(err)) {
			return fmt.Errorf("%w\n%s", err, st)
		}
	}
	if _, err := conn.ExecContext(ctx, s.f.rebind(`INSERT INTO `+table+` (version, name, applied) VALUES (?, ?, ?)`),
		m.version, m.name, micros(s.env.Time())); err != nil {
		return err
	}
	done = true
	_, err := conn.ExecContext(ctx, commit)
	return err
}

// Version returns the highest migration applied (0 on a database Migrate
// has not touched), and the highest this build of sqlstore knows: a host
// that does not migrate at start-up can refuse to serve while applied <
// known.
func (s *Store) Version(ctx context.Context) (applied, known int, err error) {
	all, err := s.loadMigrations()
	if err != nil {
		return 0, 0, err
	}
	if len(all) > 0 {
		known = all[len(all)-1].version
	}
	table := s.prefix + "migrations"
	var n int
	if err := s.db.QueryRowContext(ctx, s.f.tableExists, table).Scan(&n); err != nil || n == 0 {
		return 0, known, err
	}
	var v sql.NullInt64
	err = s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM `+table).Scan(&v)
	return int(v.Int64), known, err
}
