package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// The test needs the PostgreSQL server that ROSTER_TEST_POSTGRES names and
// the distribution's PgBouncer; without them it skips, unless
// ROSTER_TEST_REQUIRE_DB=1 (CI) makes that a failure. It works in a
// database of its own, with a random name, dropped at the end.
const (
	envPostgres = "ROSTER_TEST_POSTGRES" // e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
	envRequire  = "ROSTER_TEST_REQUIRE_DB"
)

func need(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv(envRequire) == "1" {
		t.Fatal(msg + " (" + envRequire + "=1)")
	}
	t.Skip(msg)
}

// env is a running service: its database behind a PgBouncer of its own,
// its delivery worker, and its HTTP API.
type env struct {
	t    *testing.T
	ctx  context.Context
	a    *app
	url  string
	org  string
	pool *pgx.Conn // a direct connection, to look
}

func start(t *testing.T) *env {
	raw := os.Getenv(envPostgres)
	if raw == "" {
		need(t, "the service's test needs "+envPostgres+" set to a PostgreSQL URL")
	}
	if _, err := os.Stat(pgbouncer); err != nil {
		need(t, "the service's test needs "+pgbouncer+" (apt-get install pgbouncer)")
	}
	base, err := url.Parse(raw)
	require.NoError(t, err)
	require.NotEmpty(t, base.Scheme, "%s must be a URL", envPostgres)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base.String())
	require.NoError(t, err)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "roster_service_" + hex.EncodeToString(b)
	_, err = admin.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)")
		admin.Close(ctx)
	})
	direct := *base
	direct.Path = "/" + name
	q := direct.Query()
	q.Del("search_path")
	direct.RawQuery = q.Encode()
	port := startPgBouncer(t, base.Hostname(), base.Port(), name, 2)
	bounced := direct
	bounced.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	require.NoError(t, migrate(ctx, direct.String()))
	require.NoError(t, migrate(ctx, direct.String()), "migrating again finds nothing to do")
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	a, err := open(ctx, config{DSN: bounced.String(), Bouncer: true, LinkKey: key, JoinURL: "https://svc.example/join"})
	require.NoError(t, err)
	t.Cleanup(a.close)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.deliver(wctx) }()
	t.Cleanup(func() {
		stop()
		require.ErrorIs(t, <-done, context.Canceled, "the worker stops with its context, and not before")
	})
	srv := httptest.NewServer(a.routes())
	t.Cleanup(srv.Close)
	look, err := pgx.Connect(ctx, direct.String())
	require.NoError(t, err)
	t.Cleanup(func() { look.Close(ctx) })
	return &env{t: t, ctx: ctx, a: a, url: srv.URL, pool: look}
}

// call sends a request as user (none if empty) and decodes the JSON
// answer, which must have status want.
func (e *env) call(method, path, user string, body any, want int) map[string]any {
	e.t.Helper()
	var rd bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(e.t, err)
		rd.Reset(b)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.url+path, &rd)
	require.NoError(e.t, err)
	if user != "" {
		req.Header.Set("X-User", user)
	}
	return e.do(req, want)
}

func (e *env) do(req *http.Request, want int) map[string]any {
	e.t.Helper()
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	var out map[string]any
	if res.StatusCode != http.StatusNoContent {
		require.NoError(e.t, json.NewDecoder(res.Body).Decode(&out))
	}
	require.Equal(e.t, want, res.StatusCode, "%s %s: %v", req.Method, req.URL.Path, out)
	return out
}

// mail waits for the outbox's mail to email and returns the token of its
// link.
func (e *env) mail(email string) string {
	e.t.Helper()
	var link string
	require.Eventually(e.t, func() bool {
		err := e.pool.QueryRow(e.ctx, `SELECT link FROM outbox WHERE email = $1`, email).Scan(&link)
		if errors.Is(err, pgx.ErrNoRows) {
			return false
		}
		require.NoError(e.t, err)
		return true
	}, 15*time.Second, 20*time.Millisecond, "the invitation to %s is mailed from the feed", email)
	u, err := url.Parse(link)
	require.NoError(e.t, err)
	require.Equal(e.t, "svc.example", u.Host)
	return u.Query().Get("token")
}

// caughtUp waits until the worker's cursor is at the end of the feed.
func (e *env) caughtUp() {
	e.t.Helper()
	require.Eventually(e.t, func() bool {
		evs, err := e.a.s.Feed(e.ctx, 0, store.MaxPageSize)
		require.NoError(e.t, err)
		pos, err := e.a.s.Cursor(e.ctx, cursor)
		require.NoError(e.t, err)
		return len(evs) > 0 && pos == evs[len(evs)-1].Pos
	}, 15*time.Second, 20*time.Millisecond, "the worker reaches the end of the feed")
}

func (e *env) projects() []string {
	e.t.Helper()
	rows, err := e.pool.Query(e.ctx, `SELECT name FROM projects ORDER BY id`)
	require.NoError(e.t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(e.t, err)
	return names
}

// TestService is the service end to end, through PgBouncer in transaction
// pooling: sign up, invite (delivered through the change feed), accept,
// change roles, authenticate a key, and roll back: a host transaction
// that wrote its own row and roster's change leaves nothing of either.
func TestService(t *testing.T) {
	e := start(t)

	// The migrations: roster's schema by goose, as the store knows it,
	// and the service's table beside it.
	applied, known, err := e.a.s.Version(e.ctx)
	require.NoError(t, err)
	require.Equal(t, known, applied)
	var gooseRoster, gooseOwn int
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT MAX(version_id) FROM roster_goose_version`).Scan(&gooseRoster))
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT MAX(version_id) FROM goose_db_version`).Scan(&gooseOwn))
	require.Equal(t, known, gooseRoster)
	require.Equal(t, 1, gooseOwn)

	// Sign up: the organisation and its first project, together.
	out := e.call("POST", "/signup", "", map[string]string{"org": "Acme", "user": "ada", "email": "ada@acme.io", "name": "Ada"}, http.StatusCreated)
	org := out["org"].(string)
	ps := e.call("GET", "/orgs/"+org+"/projects", "ada", nil, http.StatusOK)["projects"].([]any)
	require.Len(t, ps, 1)
	require.Equal(t, "Welcome", ps[0].(map[string]any)["name"])
	// A refused sign-up leaves no project.
	out = e.call("POST", "/signup", "", map[string]string{"org": "Bad", "user": "eve", "email": "not an address"}, http.StatusUnprocessableEntity)
	require.Equal(t, "invalid", out["code"])
	require.Equal(t, []string{"Welcome"}, e.projects())
	e.call("GET", "/orgs/"+org+"/projects", "mallory", nil, http.StatusNotFound)

	// Invite: the answer holds no link; the worker mails it from the feed.
	out = e.call("POST", "/orgs/"+org+"/invitations", "ada", map[string]string{"email": "bob@acme.io", "role": "viewer"}, http.StatusCreated)
	require.NotContains(t, out, "link")
	token := e.mail("bob@acme.io")
	shown := e.call("GET", "/invitations/"+token, "", nil, http.StatusOK)
	require.Equal(t, "bob@acme.io", shown["email"])
	require.Equal(t, "viewer", shown["role"])
	require.Equal(t, "ada@acme.io", shown["invited_by"])

	// Accept, once.
	out = e.call("POST", "/invitations/accept", "bob", map[string]string{"token": token, "email": "bob@acme.io"}, http.StatusCreated)
	require.Equal(t, "viewer", out["role"])
	bob := out["member"].(string)
	out = e.call("POST", "/invitations/accept", "bob2", map[string]string{"token": token, "email": "bob@acme.io"}, http.StatusConflict)
	require.Equal(t, "already_used", out["code"])

	// Change roles; refusals carry their stable codes.
	out = e.call("PUT", "/orgs/"+org+"/members/"+bob+"/role", "bob", map[string]string{"role": "admin"}, http.StatusForbidden)
	require.Equal(t, "forbidden", out["code"], "a viewer changes no role")
	out = e.call("PUT", "/orgs/"+org+"/members/"+bob+"/role", "ada", map[string]string{"role": "admin"}, http.StatusOK)
	require.Equal(t, "admin", out["role"])
	ms := e.call("GET", "/orgs/"+org+"/members", "ada", nil, http.StatusOK)["members"].([]any)
	require.Len(t, ms, 2)
	ada := ms[0].(map[string]any)["id"].(string)
	out = e.call("PUT", "/orgs/"+org+"/members/"+ada+"/role", "bob", map[string]string{"role": "viewer"}, http.StatusForbidden)
	require.Equal(t, "owner_protected", out["code"])
	out = e.call("PUT", "/orgs/"+org+"/members/"+bob+"/role", "ada", map[string]string{"role": "pilot"}, http.StatusUnprocessableEntity)
	require.Equal(t, "invalid", out["code"])

	// A key for bob authenticates the API.
	secret := e.call("POST", "/orgs/"+org+"/members/"+bob+"/keys", "ada", map[string]string{"name": "ci"}, http.StatusCreated)["secret"].(string)
	api := func(secret string, want int) map[string]any {
		req, err := http.NewRequestWithContext(e.ctx, "GET", e.url+"/api/projects", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+secret)
		return e.do(req, want)
	}
	out = api(secret, http.StatusOK)
	require.Equal(t, org, out["org"])
	require.Len(t, out["projects"], 1)
	out = api(secret[:len(secret)-2]+"zz", http.StatusUnprocessableEntity)
	require.Equal(t, "invalid", out["code"], "a tampered key")

	// A project with its lead's invitation commits both: the lead is
	// mailed.
	e.call("POST", "/orgs/"+org+"/projects", "bob", map[string]any{"name": "Two", "lead": map[string]string{"email": "dave@acme.io", "role": "editor"}}, http.StatusCreated)
	e.mail("dave@acme.io")
	out = e.call("POST", "/orgs/"+org+"/projects", "bob", map[string]any{"name": "Two"}, http.StatusConflict)
	require.Equal(t, "project_exists", out["code"])
	e.call("POST", "/orgs/"+org+"/projects", "ada", map[string]any{"name": "Three"}, http.StatusCreated)

	// The host rolls back: the plan has room for three projects. The
	// fourth project and its lead's invitation were both written in the
	// transaction; neither stays, and the invitation is never mailed.
	feed, err := e.a.s.Feed(e.ctx, 0, store.MaxPageSize)
	require.NoError(t, err)
	out = e.call("POST", "/orgs/"+org+"/projects", "ada", map[string]any{"name": "Four", "lead": map[string]string{"email": "carol@acme.io", "role": "editor"}}, http.StatusConflict)
	require.Equal(t, "quota_exceeded", out["code"])
	require.Equal(t, []string{"Welcome", "Two", "Three"}, e.projects())
	pending := e.call("GET", "/orgs/"+org+"/invitations", "ada", nil, http.StatusOK)["invitations"].([]any)
	require.Len(t, pending, 1, "dave's alone")
	require.Equal(t, "dave@acme.io", pending[0].(map[string]any)["email"])
	after, err := e.a.s.Feed(e.ctx, 0, store.MaxPageSize)
	require.NoError(t, err)
	require.Equal(t, feed, after, "no event reached the feed")
	e.caughtUp()
	var mails []string
	rows, err := e.pool.Query(e.ctx, `SELECT email FROM outbox ORDER BY id`)
	require.NoError(t, err)
	mails, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"bob@acme.io", "dave@acme.io"}, mails, "each invitation mailed once, carol's never")

	// The same in code: a host transaction that writes its row and a
	// role change, then changes its mind.
	orgID, bobID := uuidOf(t, org), uuidOf(t, bob)
	adaID := uuidOf(t, ada)
	errMind := errors.New("the host changes its mind")
	err = e.a.inTx(e.ctx, func(tx pgx.Tx, s *sqlstore.Store) error {
		if _, err := tx.Exec(e.ctx, `INSERT INTO projects (org, name, created_by) VALUES ($1, 'Five', 'ada')`, orgID); err != nil {
			return err
		}
		m, err := member.ChangeRole(e.ctx, s, orgID, adaID, bobID, "editor")
		if err != nil {
			return err
		}
		require.Equal(t, "editor", m.Role)
		got, err := s.Member(e.ctx, orgID, bobID)
		require.NoError(t, err)
		require.Equal(t, "editor", got.Role, "the transaction sees its change")
		return errMind
	})
	require.ErrorIs(t, err, errMind)
	got, err := e.a.s.Member(e.ctx, orgID, bobID)
	require.NoError(t, err)
	require.Equal(t, "admin", got.Role, "the role change rolled back")
	require.Equal(t, []string{"Welcome", "Two", "Three"}, e.projects(), "and the project")
	after, err = e.a.s.Feed(e.ctx, 0, store.MaxPageSize)
	require.NoError(t, err)
	require.Equal(t, feed, after, "and no event")
}

func uuidOf(t *testing.T, s string) store.ID {
	t.Helper()
	id, err := uuid.Parse(s)
	require.NoError(t, err)
	return id
}
