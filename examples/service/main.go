// Command service is a small multi-tenant service built as a Go team
// builds one today: net/http's routing patterns, a pgxpool, goose for its
// migrations, PgBouncer in front of PostgreSQL, and roster for its teams.
//
//   - goose applies roster's schema (sqlstore.Schema) and then the
//     service's own table of projects, which refers to roster's
//     organisations, each set with a version table of its own;
//   - roster's store runs on the service's pgxpool through database/sql
//     (stdlib.OpenDBFromPool), with sqlstore.Options.NoPrepare behind
//     PgBouncer in transaction pooling;
//   - a sign-up creates the organisation and its first project in one
//     pgx.Tx, and a new project with the invitation of its lead too
//     (pgxv5.InTx): if the plan has no room for the project, neither
//     stays;
//   - invitations are mailed from roster's change feed by a worker that
//     writes each mail to an outbox and moves its cursor in one pgx.Tx
//     (pgxv5.AdvanceTx);
//   - refusals answer with roster's stable codes (store.ErrorCode).
//
// It needs a PostgreSQL database:
//
//	export DATABASE_URL='postgres://postgres@127.0.0.1:5432/app?sslmode=disable'
//	go run . -addr 127.0.0.1:8080
//	# behind PgBouncer: -bouncer, with -migrate-dsn a direct connection
//	curl -X POST localhost:8080/signup -d '{"org":"Acme","user":"ada","email":"ada@acme.io"}'
//
// ROSTER_LINK_KEY holds the key that seals invitation tokens for delivery
// (32 bytes in hex); without it, the service makes one for the run, and
// links of invitations sent before a restart are not delivered again.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dsn := flag.String("dsn", os.Getenv("DATABASE_URL"), "the PostgreSQL database")
	migrateDSN := flag.String("migrate-dsn", "", "a direct connection for the migrations (default -dsn)")
	bouncer := flag.Bool("bouncer", false, "-dsn goes through PgBouncer in transaction pooling")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, config{DSN: *dsn, MigrateDSN: *migrateDSN, Bouncer: *bouncer, JoinURL: "http://" + *addr + "/join"}); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr string, cfg config) error {
	if cfg.DSN == "" {
		return errors.New("set -dsn or DATABASE_URL to a PostgreSQL database")
	}
	key, err := linkKey()
	if err != nil {
		return err
	}
	cfg.LinkKey = key
	if cfg.MigrateDSN == "" {
		cfg.MigrateDSN = cfg.DSN
	}
	if err := migrate(ctx, cfg.MigrateDSN); err != nil {
		return err
	}
	a, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	go func() {
		if err := a.deliver(ctx); err != nil && ctx.Err() == nil {
			log.Printf("delivery stopped: %v", err)
		}
	}()
	go a.send(ctx)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	log.Printf("listening on http://%s", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return ctx.Err()
}

// linkKey reads ROSTER_LINK_KEY, or makes a key for this run.
func linkKey() ([]byte, error) {
	if v := os.Getenv("ROSTER_LINK_KEY"); v != "" {
		key, err := hex.DecodeString(v)
		if err != nil || len(key) != 32 {
			return nil, errors.New("ROSTER_LINK_KEY must be 32 bytes in hex")
		}
		return key, nil
	}
	log.Print("ROSTER_LINK_KEY is not set: invitation links are sealed with a key of this run")
	key := make([]byte, 32)
	_, err := rand.Read(key)
	return key, err
}

// send stands in for the mail sender: it takes the outbox's mail, oldest
// first, and prints it, until ctx ends.
func (a *app) send(ctx context.Context) {
	for {
		var email, link string
		err := a.pool.QueryRow(ctx, `DELETE FROM outbox WHERE id = (SELECT id FROM outbox ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING email, link`).Scan(&email, &link)
		if err == nil {
			fmt.Printf("mail to %s: %s\n", email, link)
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}
