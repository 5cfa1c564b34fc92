package sqlstore

import (
	"fmt"
	"io/fs"
	"strings"
	"testing/fstest"

	"github.com/rosterhq/roster/store"
)

// Schema returns roster's schema for dialect d and the table prefix prefix
// (as Options.Prefix: "" means "roster_") as numbered up-migrations, for a
// host that applies its migrations with its own tool: an fs.FS of files
// named NNNN_name.up.sql, in the order to apply them, each a plain SQL
// script whose statements end with a semicolon at the end of a line.
//
// golang-migrate reads the files as they are (its iofs source), and goose
// too (each begins with "-- +goose Up"). Each file also records itself in
// roster's own table of migrations ({prefix}migrations), so that Version
// tells how far the host's tool went, and a later Migrate applies only
// what the tool has not. (The other way round, a tool taking over from
// Migrate must be told which versions that table lists as applied.)
//
// Order against the host's own migrations: apply roster's before a host
// migration that refers to roster's tables (a foreign key to
// {prefix}orgs(id), say); a host migration that does not refer to them may
// come in any order. A new release of roster adds files after the last,
// never changes one, so the host's tool applies them as they come.
//
// The files are what Migrate runs, but one thing differs: Migrate takes a
// lock so that concurrent processes take turns, and runs each file in a
// transaction; a host's tool does what it does. On MySQL, whose DDL commits
// statement by statement, a file that failed half-way may need its last
// statements run by hand; Migrate skips a column or index that exists.
func Schema(d Dialect, prefix string) (fs.FS, error) {
	f := d.flavor()
	if f == nil {
		return nil, fmt.Errorf("%w: unknown dialect %v", store.ErrInvalid, d)
	}
	prefix, err := checkPrefix(prefix)
	if err != nil {
		return nil, err
	}
	ms, err := loadMigrations(f, prefix)
	if err != nil {
		return nil, err
	}
	table := prefix + "migrations"
	// A map of files, from the standard library: fstest.MapFS is a plain
	// read-only fs.FS, whatever its package's name says.
	files := make(fstest.MapFS, len(ms))
	for i, m := range ms {
		var b strings.Builder
		b.WriteString("-- +goose Up\n")
		fmt.Fprintf(&b, "-- roster migration %s, table prefix %q\n", m.name, prefix)
		if i == 0 {
			fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied BIGINT NOT NULL);\n", table)
		}
		for _, st := range m.stmts {
			b.WriteString(st)
			b.WriteString(";\n")
		}
		fmt.Fprintf(&b, "INSERT INTO %s (version, name, applied) VALUES (%d, '%s', 0);\n", table, m.version, m.name)
		files[strings.TrimSuffix(m.name, ".sql")+".up.sql"] = &fstest.MapFile{Data: []byte(b.String()), Mode: 0o444}
	}
	return files, nil
}
