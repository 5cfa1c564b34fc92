package sqlstore_test

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// TestSchema applies the exported schema as a host's migration tool would,
// file by file in name order, a statement at a time: the store then works,
// Version says every migration is applied, and Migrate finds nothing to do.
func TestSchema(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			db := openDB(t, d)
			prefix := fmt.Sprintf("x%d_", prefixes.Add(1))
			fsys, err := sqlstore.Schema(d, prefix)
			require.NoError(t, err)
			entries, err := fs.ReadDir(fsys, ".")
			require.NoError(t, err)
			s, err := sqlstore.New(db, d, fixture.NewEnv(fixture.NewClock(), 30), sqlstore.Options{Prefix: prefix})
			require.NoError(t, err)
			versions, err := sqlstore.MigrationVersions(s)
			require.NoError(t, err)
			require.Len(t, entries, len(versions), "a file per migration")
			for i, e := range entries {
				require.True(t, strings.HasPrefix(e.Name(), fmt.Sprintf("%04d_", versions[i])), "%s in order", e.Name())
				require.True(t, strings.HasSuffix(e.Name(), ".up.sql"), e.Name())
				body, err := fs.ReadFile(fsys, e.Name())
				require.NoError(t, err)
				require.True(t, strings.HasPrefix(string(body), "-- +goose Up\n"), "goose's annotation")
				require.NotContains(t, string(body), "{p}", "the prefix is in place")
				// As goose and golang-migrate split a script: a statement
				// ends with a semicolon at the end of a line.
				var st strings.Builder
				for line := range strings.Lines(string(body)) {
					if strings.HasPrefix(strings.TrimSpace(line), "--") {
						continue
					}
					st.WriteString(line)
					if strings.HasSuffix(strings.TrimSpace(line), ";") {
						_, err := db.ExecContext(ctx, st.String())
						require.NoError(t, err, "%s: %s", e.Name(), st.String())
						st.Reset()
					}
				}
				require.Empty(t, strings.TrimSpace(st.String()), "%s ends with a statement", e.Name())
			}

			applied, known, err := s.Version(ctx)
			require.NoError(t, err)
			require.Equal(t, known, applied, "the tool's files record themselves")
			require.NoError(t, s.Migrate(ctx), "Migrate finds nothing left to do")
			org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
			require.NoError(t, err)
			_, err = member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{Role: "editor", NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}})
			require.NoError(t, err)
			_, err = member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{Role: "editor", NewUser: member.NewUser{UserID: "bob", Email: "bob2@acme.io"}})
			require.ErrorIs(t, err, store.ErrAlreadyMember, "the constraints are there")
			feed, err := s.Feed(ctx, 0, 0)
			require.NoError(t, err)
			require.Len(t, feed, 2)
		})
	}
	_, err := sqlstore.Schema(sqlstore.Postgres, "1bad")
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = sqlstore.Schema(sqlstore.Dialect(99), "")
	require.ErrorIs(t, err, store.ErrInvalid)
}
