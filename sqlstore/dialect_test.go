package sqlstore_test

import (
	"testing"

	"github.com/rosterhq/roster/sqlstore"
	"github.com/stretchr/testify/require"
)

// TestRebind: only the placeholders of the statement itself are numbered;
// a ? in a string literal, a quoted identifier or a comment is text (#14
// item 12).
func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, pg string }{
		{`SELECT a FROM t WHERE a = ? AND b = ?`, `SELECT a FROM t WHERE a = $1 AND b = $2`},
		{`SELECT '?' , ?`, `SELECT '?' , $1`},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{`SELECT '', ?, ''`, `SELECT '', $1, ''`},
		{`SELECT E'\'?', ?`, `SELECT E'\'?', $1`},
		{`SELECT e'a\\', ?`, `SELECT e'a\\', $1`},
		{`SELECT "col?" FROM "t""?" WHERE x = ?`, `SELECT "col?" FROM "t""?" WHERE x = $1`},
		{"SELECT `a?` FROM t WHERE x = ?", "SELECT `a?` FROM t WHERE x = $1"},
		{"SELECT ? -- why?\nFROM t WHERE x = ?", "SELECT $1 -- why?\nFROM t WHERE x = $2"},
		{`SELECT ? /* what? /* nested? */ still? */ , ?`, `SELECT $1 /* what? /* nested? */ still? */ , $2`},
		{`SELECT $$a?b$$, $tag$ ? $$ ? $tag$, ?`, `SELECT $$a?b$$, $tag$ ? $$ ? $tag$, $1`},
		{`SELECT a-?, b/?`, `SELECT a-$1, b/$2`},
		{`SELECT 'unterminated ?`, `SELECT 'unterminated ?`},
		{`SELECT ? /* unterminated ?`, `SELECT $1 /* unterminated ?`},
	} {
		require.Equal(t, tc.pg, sqlstore.Postgres.Rebind(tc.in), "%s", tc.in)
		require.Equal(t, tc.in, sqlstore.MySQL.Rebind(tc.in))
		require.Equal(t, tc.in, sqlstore.SQLite.Rebind(tc.in))
	}
}
