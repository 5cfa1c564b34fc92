// Command httpserver serves the JSON API behind a "Settings → Team" page on
// SQLite: members with pagination, invitations (send, accept, resend,
// cancel, the pending list), role changes, deactivation, removal, ownership
// transfer, the audit log, and a product endpoint guarded by a product
// permission. It seeds a demo organisation on first start and prints curl
// commands to try.
//
//	go run ./examples/httpserver [-addr 127.0.0.1:8080] [-db roster-demo.db]
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	_ "modernc.org/sqlite" // the SQLite driver, registered as "sqlite"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dbPath := flag.String("db", "roster-demo.db", "SQLite database file, created if missing")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, os.Stdout, *addr, *dbPath); err != nil {
		log.Fatal(err)
	}
}

// serve opens the store, seeds it, and serves the API on addr until ctx ends.
func serve(ctx context.Context, w io.Writer, addr, dbPath string) error {
	db, closeDB, err := openStore(ctx, dbPath)
	if err != nil {
		return err
	}
	defer closeDB()
	org, err := seed(ctx, db)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	printUsage(w, base, org)
	srv := &http.Server{Handler: newServer(db, base+"/join"), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// openStore opens the SQLite database at path and migrates it.
func openStore(ctx context.Context, path string) (store.Store, func() error, error) {
	sqlDB, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
	if err != nil {
		return nil, nil, err
	}
	db, err := sqlstore.New(sqlDB, sqlstore.SQLite, store.Env{Policy: policy}, sqlstore.Options{})
	if err == nil {
		err = db.Migrate(ctx)
	}
	if err != nil {
		sqlDB.Close()
		return nil, nil, err
	}
	return db, sqlDB.Close, nil
}

// seed returns the demo organisation, the first one the user "olga" belongs
// to, and creates it, owned by olga, on first start.
func seed(ctx context.Context, db store.Store) (store.Org, error) {
	ms, _, err := db.UserOrgs(ctx, "olga", store.Page{Limit: 1})
	if err != nil {
		return store.Org{}, err
	}
	if len(ms) > 0 {
		return ms[0].Org, nil
	}
	org, _, err := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme",
		Owner: member.NewUser{UserID: "olga", Email: "olga@acme.example", Name: "Olga"}})
	return org, err
}

// printUsage prints curl commands for the demo organisation.
func printUsage(w io.Writer, base string, org store.Org) {
	o := base + "/orgs/" + org.ID.String()
	fmt.Fprintf(w, `Serving %q on %s, as the user in the X-User header (olga owns it).

  # The team, as its owner
  curl -s -H 'X-User: olga' %[3]s/members
  # Invite Bob as an editor: the response carries the magic link and its token
  curl -s -H 'X-User: olga' -d '{"email":"bob@acme.example","role":"editor"}' %[3]s/invitations
  # Bob accepts, with the token from the link
  curl -s -H 'X-User: bob' -d '{"token":"rinv_...","email":"bob@acme.example","name":"Bob"}' %[2]s/invitations/accept
  # Bob uses the product (products.view), then invites an admin: 403, escalation
  curl -s -H 'X-User: bob' %[3]s/products
  curl -s -H 'X-User: bob' -d '{"email":"eve@acme.example","role":"admin"}' %[3]s/invitations
  # Olga makes Bob a viewer, then deactivates him (ID from the member list): Bob's products are 403
  curl -s -X PUT -H 'X-User: olga' -d '{"role":"viewer"}' %[3]s/members/BOB_ID/role
  curl -s -X POST -H 'X-User: olga' %[3]s/members/BOB_ID/deactivate
  # The audit log
  curl -s -H 'X-User: olga' %[3]s/audit

`, org.Name, base, o)
}
