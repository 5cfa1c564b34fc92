package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// TestEraseLeavesNothing erases a user with traces of every kind and then
// reads every column of every row of every table of the store, on each
// dialect: neither its user ID, nor a name, nor an e-mail it had remains,
// and its pseudonym does.
func TestEraseLeavesNothing(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres, sqlstore.MySQL} {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			s, db := newStore(t, d, fixture.NewEnv(fixture.NewClock(), 17))
			sys := member.AsSystem(ctx, "privacy")
			uma := member.NewUser{UserID: "uma-erased-17", Email: "uma.17@example.com", Name: "Uma Seventeen"}
			a, ua, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "A", Owner: uma})
			require.NoError(t, err)
			b, bob, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "B", Owner: member.NewUser{UserID: "bob", Email: "bob@example.com"}})
			require.NoError(t, err)
			ub, err := member.AddMember(ctx, s, b.ID, bob.ID, member.NewMember{NewUser: uma, Role: "editor"})
			require.NoError(t, err)
			next, err := member.AddMember(ctx, s, a.ID, ua.ID, member.NewMember{NewUser: member.NewUser{UserID: "ann", Email: "ann@example.com"}, Role: "admin"})
			require.NoError(t, err)
			_, err = member.UpdateProfile(ctx, s, b.ID, ub.ID, ub.ID, "Uma Renamed", store.Profile{})
			require.NoError(t, err)
			_, _, err = invite.Send(ctx, s, a.ID, ua.ID, invite.NewInvitation{Email: "friend@example.com", Role: "viewer"})
			require.NoError(t, err)
			_, err = member.ChangeEmail(sys, s, uma.UserID, "uma.new@example.org")
			require.NoError(t, err)
			_, err = invite.RequestAccess(ctx, s, b.ID, invite.Requester{UserID: "uma-erased-17", Email: "uma.new@example.org", Name: "Uma Renamed"},
				access.SetOf(fixture.ViewProducts), "Uma again", "")
			require.ErrorIs(t, err, store.ErrAlreadyMember)
			_, err = member.Deprovision(sys, s, uma.UserID, map[store.ID]string{a.ID: next.UserID})
			require.NoError(t, err)
			_, _, err = invite.Send(ctx, s, b.ID, bob.ID, invite.NewInvitation{Email: "uma.new@example.org", Role: "viewer"})
			require.NoError(t, err)
			_, err = invite.RequestAccess(ctx, s, b.ID, invite.Requester{UserID: "uma-erased-17", Email: "uma.new@example.org", Name: "Uma Renamed"},
				access.SetOf(fixture.ViewProducts), "Uma again", "")
			require.NoError(t, err)

			personal := []string{"uma-erased-17", "Uma Seventeen", "Uma Renamed", "uma.17@example.com", "uma.new@example.org", "Uma again"}
			rows := allText(t, db, d, s.Prefix())
			for _, p := range personal {
				require.Contains(t, rows, p, "the store should hold %q before", p)
			}
			got, err := member.Erase(sys, s, uma.UserID)
			require.NoError(t, err)
			rows = allText(t, db, d, s.Prefix())
			for _, p := range personal {
				require.NotContains(t, rows, p, "%q remains", p)
			}
			require.Contains(t, rows, got.Pseudonym)
			require.Contains(t, rows, "bob@example.com")
			require.Contains(t, rows, "friend@example.com")
		})
	}
}

// allText returns every value of every column of every row of the tables
// with prefix, as text, one row a line.
func allText(t *testing.T, db *sql.DB, d sqlstore.Dialect, prefix string) string {
	t.Helper()
	ctx := context.Background()
	q := map[sqlstore.Dialect]string{
		sqlstore.SQLite:   `SELECT name FROM sqlite_master WHERE type = 'table'`,
		sqlstore.Postgres: `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`,
		sqlstore.MySQL:    `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()`,
	}[d]
	rows, err := db.QueryContext(ctx, q)
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		if strings.HasPrefix(n, prefix) {
			tables = append(tables, n)
		}
	}
	require.NoError(t, rows.Err())
	require.GreaterOrEqual(t, len(tables), 10)
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+table)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			require.NoError(t, rows.Scan(ptrs...))
			fmt.Fprintf(&b, "%s:", table)
			for _, v := range vals {
				b.WriteString(" " + string(v))
			}
			b.WriteByte('\n')
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return b.String()
}
