package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
)

func examplePolicy() *access.Policy {
	return access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "products.view"}, {Name: "members.manage"}},
		Roles: []access.RoleSpec{
			{Name: "owner"},
			{Name: "admin", Permissions: access.SetOf(0, 1)},
			{Name: "viewer", Permissions: access.SetOf(0)},
		},
		Owner: "owner",
		Gates: map[access.Action]access.Permission{access.AddMember: 1},
	})
}

// The embedded default: SQLite in a file, through modernc.org/sqlite.
func ExampleNew() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "roster-example-")
	defer os.RemoveAll(dir)

	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(dir, "roster.db")))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	s, err := sqlstore.New(db, sqlstore.SQLite, store.Env{Policy: examplePolicy()}, sqlstore.Options{})
	if err != nil {
		panic(err)
	}
	if err := s.Migrate(ctx); err != nil {
		panic(err)
	}
	org, _, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	fmt.Println(org.Name, err)
	applied, known, _ := s.Version(ctx)
	fmt.Println(applied == known)
	// Output:
	// Acme <nil>
	// true
}

// A membership change inside the host's own transaction: it commits or
// rolls back with the host's writes.
func ExampleStore_InTx() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "roster-example-")
	defer os.RemoveAll(dir)
	db, _ := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(dir, "app.db")))
	defer db.Close()
	s, _ := sqlstore.New(db, sqlstore.SQLite, store.Env{Policy: examplePolicy()}, sqlstore.Options{})
	_ = s.Migrate(ctx)
	_, _ = db.Exec(`CREATE TABLE accounts (user_id TEXT PRIMARY KEY)`)
	org, ada, _ := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})

	tx, _ := db.BeginTx(ctx, nil)
	_, _ = tx.Exec(`INSERT INTO accounts (user_id) VALUES ('bob')`)
	_, err := member.AddMember(ctx, s.InTx(tx), org.ID, ada.ID, member.NewMember{
		NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}, Role: "viewer"})
	fmt.Println("added in the host's transaction:", err)
	_ = tx.Rollback() // the host changes its mind

	_, err = s.MemberByUser(ctx, org.ID, "bob")
	var accounts int
	_ = db.QueryRow(`SELECT COUNT(*) FROM accounts`).Scan(&accounts)
	fmt.Println("after rollback:", err, accounts)
	// Output:
	// added in the host's transaction: <nil>
	// after rollback: user bob: roster: not found 0
}

// Two instances of a service on one database, the second with the request
// cache: a change on the first, made under store.Capture, returns a token
// with which the second answers at least as fresh, at once.
func ExampleCacheOptions() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "roster-example-")
	defer os.RemoveAll(dir)
	open := func(cache *sqlstore.CacheOptions) *sqlstore.Store {
		db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(dir, "roster.db")))
		if err != nil {
			panic(err)
		}
		s, err := sqlstore.New(db, sqlstore.SQLite, store.Env{Policy: examplePolicy()}, sqlstore.Options{Cache: cache})
		if err != nil {
			panic(err)
		}
		if err := s.Migrate(ctx); err != nil {
			panic(err)
		}
		return s
	}
	first, second := open(nil), open(&sqlstore.CacheOptions{MaxStale: time.Second})
	defer second.Close()

	org, ada, _ := member.CreateOrg(ctx, first, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	bob, _ := member.AddMember(ctx, first, org.ID, ada.ID, member.NewMember{NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}, Role: "viewer"})
	m, _ := second.MemberByUser(ctx, org.ID, "bob") // now cached on the second instance
	fmt.Println(m.Role)

	wctx, tok := store.Capture(ctx)
	_, err := member.ChangeRole(wctx, first, org.ID, ada.ID, bob.ID, "admin")
	header := tok.String() // sent to the client, and back with its next request

	t, _ := store.ParseToken(header)
	m, _ = second.MemberByUser(store.AtLeast(ctx, t), org.ID, "bob")
	fmt.Println(err, m.Role)
	// Output:
	// viewer
	// <nil> admin
}

// The schema as numbered up-migrations, for goose or golang-migrate to
// apply beside the host's own.
func ExampleSchema() {
	fsys, err := sqlstore.Schema(sqlstore.Postgres, "roster_")
	if err != nil {
		panic(err)
	}
	entries, _ := fs.ReadDir(fsys, ".")
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	first, _ := fs.ReadFile(fsys, entries[0].Name())
	fmt.Println(strings.SplitN(string(first), "\n", 2)[0])
	// Output:
	// 0001_init.up.sql
	// 0002_code_attempts.up.sql
	// 0003_partner_reach.up.sql
	// 0004_feed.up.sql
	// 0005_paging.up.sql
	// 0006_org_counters.up.sql
	// 0007_purge.up.sql
	// 0008_expiry.up.sql
	// 0009_key_lifetimes.up.sql
	// 0010_seat_counters.up.sql
	// -- +goose Up
}
