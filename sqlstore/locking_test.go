package sqlstore

import "testing"

// TestLockEachSelect: every SELECT of a statement, subqueries included,
// gets the clause; locking statements and writes are left alone.
func TestLockEachSelect(t *testing.T) {
	const c = " LOCK IN SHARE MODE"
	for _, tc := range []struct{ in, want string }{
		{`SELECT a FROM t WHERE x = ?`, `SELECT a FROM t WHERE x = ?` + c},
		{`SELECT (SELECT COUNT(*) FROM t WHERE o = ?) + (SELECT COUNT(*) FROM u)`, `SELECT (SELECT COUNT(*) FROM t WHERE o = ?` + c + `) + (SELECT COUNT(*) FROM u` + c + `)` + c},
		{`select a FROM t WHERE b IN (?, ( SELECT e FROM t WHERE f = ')(SELECT')) LIMIT 1`, `select a FROM t WHERE b IN (?, ( SELECT e FROM t WHERE f = ')(SELECT'` + c + `)) LIMIT 1` + c},
		{`SELECT id FROM o WHERE id = (SELECT org FROM i WHERE h = ?) FOR UPDATE`, `SELECT id FROM o WHERE id = (SELECT org FROM i WHERE h = ?) FOR UPDATE`},
		{`UPDATE t SET a = (SELECT 1)`, `UPDATE t SET a = (SELECT 1)`},
		{`SELECTED`, `SELECTED`},
	} {
		if got := lockEachSelect(tc.in, c); got != tc.want {
			t.Errorf("lockEachSelect(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}
