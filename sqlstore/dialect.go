package sqlstore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/rosterhq/roster/store"
)

// A Dialect is the SQL database a Store runs on.
type Dialect uint8

// The dialects.
const (
	// Postgres is PostgreSQL 12 or later, through any database/sql driver
	// (github.com/jackc/pgx/v5/stdlib in roster's tests).
	Postgres Dialect = iota + 1
	// SQLite is SQLite 3.35 or later (modernc.org/sqlite in roster's
	// tests). Open it with the DSN that SQLiteDSN returns.
	SQLite
	// MySQL is MySQL 8 or MariaDB 10.5 and later
	// (github.com/go-sql-driver/mysql in roster's tests).
	MySQL
)

func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case SQLite:
		return "sqlite"
	case MySQL:
		return "mysql"
	}
	return "dialect(" + strconv.Itoa(int(d)) + ")"
}

func (d Dialect) valid() bool { return d >= Postgres && d <= MySQL }

// SQLiteDSN returns the DSN that roster expects of an SQLite database at
// path, for modernc.org/sqlite: write-ahead logging, a busy timeout so that
// writers wait for each other instead of failing, foreign keys on, and
// immediate transactions so that a unit of work takes the write lock when it
// begins.
//
//	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN("roster.db"))
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

// Rebind turns the ? placeholders of q into $1, $2, … for PostgreSQL, and
// returns q unchanged for the other dialects.
func (d Dialect) Rebind(q string) string {
	if d != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// id encodes an ID as the dialect stores it: PostgreSQL's UUID type takes
// the text form, the others 16 bytes.
func (d Dialect) id(id store.ID) any {
	if d == Postgres {
		return id.String()
	}
	return id[:]
}

// forUpdate is the clause that locks the rows a SELECT reads; SQLite locks
// the whole database when an immediate transaction begins.
func (d Dialect) forUpdate() string {
	if d == SQLite {
		return ""
	}
	return " FOR UPDATE"
}

// open is the condition that a row is open (a pending invitation, an open
// request: status 1) with key col = ?, in the form a prepared statement's
// generic plan can serve from the table's one-open index: that index is
// partial (WHERE status = 1) on PostgreSQL and SQLite, so the status must be
// a literal, not a parameter; on MySQL it is on gen, a generated column that
// holds col while the row is open.
func (d Dialect) open(col, gen string) string {
	if d == MySQL {
		return gen + " = ?"
	}
	return col + " = ? AND status = 1"
}

// anyOpen is the condition that a row is open, whatever its key, in the
// same form as open.
func (d Dialect) anyOpen(gen string) string {
	if d == MySQL {
		return gen + " IS NOT NULL"
	}
	return "status = 1"
}

// isUnique reports whether err is a unique-constraint violation, and the
// text that names the constraint or its columns.
func (d Dialect) isUnique(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	msg := err.Error()
	switch d {
	case Postgres:
		var st interface{ SQLState() string }
		if errors.As(err, &st) && st.SQLState() == "23505" {
			return msg, true
		}
	case SQLite:
		var c interface{ Code() int }
		if errors.As(err, &c) && (c.Code() == 2067 || c.Code() == 1555) { // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
			return msg, true
		}
		if strings.Contains(msg, "UNIQUE constraint failed") {
			return msg, true
		}
	case MySQL:
		if strings.Contains(msg, "Error 1062") || strings.Contains(msg, "Duplicate entry") {
			return msg, true
		}
	}
	return "", false
}

// isRetryable reports whether err is a deadlock or serialisation failure
// after which the whole unit of work may be run again.
func (d Dialect) isRetryable(err error) bool {
	if err == nil {
		return false
	}
	switch d {
	case Postgres:
		var st interface{ SQLState() string }
		return errors.As(err, &st) && (st.SQLState() == "40001" || st.SQLState() == "40P01")
	case MySQL:
		msg := err.Error()
		return strings.Contains(msg, "Error 1213") || strings.Contains(msg, "Error 1205")
	case SQLite:
		var c interface{ Code() int }
		return errors.As(err, &c) && c.Code()&0xff == 5 // SQLITE_BUSY
	}
	return false
}

// unique maps a unique violation of a write to the store's sentinel, by the
// constraint it names. The message names the record, not the database's
// tables, since hosts may show it.
func (d Dialect) unique(err error, what string, byName map[string]error, otherwise error) error {
	msg, ok := d.isUnique(err)
	if !ok {
		return err
	}
	for name, sentinel := range byName {
		if strings.Contains(msg, name) {
			return fmt.Errorf("%w: %s (refused by a unique constraint of the database)", sentinel, what)
		}
	}
	return fmt.Errorf("%w: %s (refused by a unique constraint of the database)", otherwise, what)
}
