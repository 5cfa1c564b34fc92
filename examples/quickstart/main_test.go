package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, filepath.Join(t.TempDir(), "roster.db")))
	got := out.String()
	for _, line := range []string{
		"1. Policy: 5 permissions, roles owner, admin, editor, viewer.\n",
		"4. Ada invited bob@acme.example as editor: https://app.example.com/join?token=rinv_",
		"6. Bob edits a product: Can(products.edit) = true\n   allowed: \"products.edit\" is granted by role \"editor\"\n",
		"7. Ada made Bob a viewer; Bob edits a product: Can(products.edit) = false\n" +
			"   denied: \"products.edit\" is granted neither by role \"viewer\" nor individually\n",
		"8. Ada deactivated Bob; Bob views a product: Can(products.view) = false\n   denied: the member is inactive\n",
		"9. Ada reactivated Bob and transferred ownership: Bob is owner, Ada is admin.\n",
		"   4 member.role_changed    Ada → Bob\n",
		"   7 owner.transferred      Ada → Bob\nOK\n",
	} {
		assert.Contains(t, got, line)
	}
}

var orgLine = regexp.MustCompile(`Ada created "Acme" \(([0-9a-f-]{36})\)`)

// TestRunTwice runs the walkthrough twice on one database file: the second
// migration is a no-op, and each run creates an organisation of its own.
func TestRunTwice(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roster.db")
	var orgs []string
	for range 2 {
		var out bytes.Buffer
		require.NoError(t, run(ctx, &out, path))
		m := orgLine.FindStringSubmatch(out.String())
		require.NotNil(t, m, out.String())
		orgs = append(orgs, m[1])
	}
	assert.NotEqual(t, orgs[0], orgs[1])

	// Both organisations are in the file, each owned by Bob after the transfer.
	sqlDB, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
	require.NoError(t, err)
	defer sqlDB.Close()
	db, err := sqlstore.New(sqlDB, sqlstore.SQLite, store.Env{Policy: policy}, sqlstore.Options{})
	require.NoError(t, err)
	ms, _, err := db.UserOrgs(ctx, "bob", store.Page{})
	require.NoError(t, err)
	require.Len(t, ms, 2)
	for i, m := range ms {
		assert.Equal(t, orgs[i], m.Org.ID.String())
		assert.True(t, m.Member.IsOwner())
	}
}

// TestRunFails shows that a failing step is an error, which main turns into
// exit status 1.
func TestRunFails(t *testing.T) {
	err := run(context.Background(), io.Discard, filepath.Join(t.TempDir(), "missing", "roster.db"))
	assert.Error(t, err)
}
