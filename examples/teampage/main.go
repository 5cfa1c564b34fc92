package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	_ "modernc.org/sqlite"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "the address to serve on")
	path := flag.String("db", "", "the SQLite database file (default: a temporary one)")
	flag.Parse()
	if err := run(*addr, *path); err != nil {
		fmt.Fprintln(os.Stderr, "teampage:", err)
		os.Exit(1)
	}
}

func run(addr, path string) error {
	if path == "" {
		dir, err := os.MkdirTemp("", "teampage")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "team.db")
	}
	ctx := context.Background()
	db, err := open(ctx, path)
	if err != nil {
		return err
	}
	org, err := seed(ctx, db)
	if err != nil {
		return err
	}
	h, err := newServer(db)
	if err != nil {
		return err
	}
	fmt.Printf("Team settings on http://%s/orgs/%s/members\nSign in as nora@northwind.example (owner), ada@northwind.example (admin) or vic@northwind.example (viewer).\n", addr, org)
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}

// open opens the store on the SQLite file at path and migrates it. The link
// key lets an admin copy an invitation's link again; a real host keeps it
// secret and stable across restarts (here: new on each start).
func open(ctx context.Context, path string) (*sqlstore.Store, error) {
	sdb, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	s, err := sqlstore.New(sdb, sqlstore.SQLite, store.Env{Policy: policy, LinkKey: key}, sqlstore.Options{})
	if err != nil {
		return nil, err
	}
	return s, s.Migrate(ctx)
}

// people of the demo, by user ID (their e-mail).
func person(name, domain string) member.NewUser {
	email := name + "@" + domain
	return member.NewUser{UserID: email, Email: email, Name: titled(name)}
}

func titled(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// demo is what seed made: the organisations and their members.
type demo struct {
	Org, Partner              store.Org
	Nora, Ada, Vic, Sam, Rita store.Member
}

// seed fills an empty store with Northwind's team: Nora the owner, Ada an
// admin, Vic a viewer, Sam a Sales Rep on commission, a pending invitation,
// an access request, and Alpine Retail, an organisation that will be a
// partner. A store that has Northwind already is left as it is.
func seed(ctx context.Context, db store.Store) (store.ID, error) {
	d, err := seedDemo(ctx, db)
	if err != nil {
		return store.ID{}, err
	}
	return d.Org.ID, nil
}

func seedDemo(ctx context.Context, db store.Store) (*demo, error) {
	nw := "northwind.example"
	if ms, _, err := db.UserOrgs(ctx, person("nora", nw).UserID, store.Page{}); err != nil || len(ms) > 0 {
		if err != nil {
			return nil, err
		}
		return &demo{Org: ms[0].Org, Nora: ms[0].Member}, nil
	}
	d := &demo{}
	var err error
	if d.Org, d.Nora, err = member.CreateOrg(ctx, db, member.NewOrg{Name: "Northwind Outdoor", SeatLimit: 10, Owner: person("nora", nw)}); err != nil {
		return nil, err
	}
	add := func(u member.NewUser, role string, scopes access.Scopes) (store.Member, error) {
		return member.AddMember(ctx, db, d.Org.ID, d.Nora.ID, member.NewMember{NewUser: u, Role: role, Scopes: scopes})
	}
	if d.Ada, err = add(person("ada", nw), "admin", access.Scopes{}); err != nil {
		return nil, err
	}
	if d.Vic, err = add(person("vic", nw), "viewer", access.MustScopes("market:de")); err != nil {
		return nil, err
	}
	if d.Sam, err = add(person("sam", nw), "sales_rep", access.MustScopes("site:eu")); err != nil {
		return nil, err
	}
	commission := map[string]string{"commission_pct": "12.5"}
	if d.Sam, err = member.PatchProfile(ctx, db, d.Org.ID, d.Nora.ID, d.Sam.ID, member.ProfilePatch{Set: commission}); err != nil {
		return nil, err
	}
	if _, _, err := invite.Send(ctx, db, d.Org.ID, d.Ada.ID, invite.NewInvitation{Email: "eve@northwind.example", Role: "editor",
		Scopes: access.MustScopes("market:fr")}); err != nil {
		return nil, err
	}
	if _, err := invite.RequestAccess(ctx, db, d.Org.ID, person("pat", "pixelunion.example"),
		access.SetOf(ViewProducts, EditProducts, ViewAssets), "To fix the product feed, ticket #4521.", ""); err != nil {
		return nil, err
	}
	if d.Partner, d.Rita, err = member.CreateOrg(ctx, db, member.NewOrg{Name: "Alpine Retail", Owner: person("rita", "alpine.example")}); err != nil {
		return nil, err
	}
	return d, nil
}
