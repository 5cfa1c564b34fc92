package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/rosterhq/roster/store/storetest"
)

// pgbouncer is the distribution's PgBouncer, which .ci/run installs.
const pgbouncer = "/usr/sbin/pgbouncer"

// TestPgBouncer runs the conformance suite and a few state-machine runs on
// PostgreSQL through a real PgBouncer in transaction pooling, with two
// server connections shared by every client, so that consecutive
// transactions of one client land on different server connections: the
// stores run with NoPrepare, the pool with pgx's exec mode, and Migrate on
// a direct connection.
func TestPgBouncer(t *testing.T) {
	requireDB(t, sqlstore.Postgres)
	if _, err := os.Stat(pgbouncer); err != nil {
		msg := "PgBouncer tests need " + pgbouncer + " (apt-get install pgbouncer)"
		if os.Getenv(envRequire) == "1" {
			t.Fatal(msg + " (ROSTER_TEST_REQUIRE_DB=1)")
		}
		t.Skip(msg)
	}
	ctx := context.Background()

	// A database of its own, which PgBouncer serves under the same name.
	base, err := url.Parse(os.Getenv(envPostgres))
	if err != nil || base.Scheme == "" {
		t.Fatalf("%s must be a URL for the PgBouncer test: %v", envPostgres, err)
	}
	admin, err := sql.Open("pgx", base.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "roster_bouncer_" + randomHex(4)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)") })
	direct := *base
	direct.Path = "/" + name
	q := direct.Query()
	q.Del("search_path")
	direct.RawQuery = q.Encode()

	port := startPgBouncer(t, base.Hostname(), base.Port(), name)
	bounced := direct
	bounced.Host = net.JoinHostPort("127.0.0.1", fmt.Sprint(port))
	q = bounced.Query()
	q.Set("default_query_exec_mode", "exec")
	bounced.RawQuery = q.Encode()

	directDB, err := sql.Open("pgx", direct.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { directDB.Close() })
	var mu sync.Mutex
	pools := map[*testing.T]*sql.DB{}
	storetest.Run(t, func(t *testing.T, env store.Env) store.Store {
		prefix := fmt.Sprintf("b%d_", prefixes.Add(1))
		m, err := sqlstore.New(directDB, sqlstore.Postgres, env, sqlstore.Options{Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		db, ok := pools[t]
		if !ok {
			if db, err = sql.Open("pgx", bounced.String()); err != nil {
				mu.Unlock()
				t.Fatal(err)
			}
			pools[t] = db
			t.Cleanup(func() {
				db.Close()
				mu.Lock()
				delete(pools, t)
				mu.Unlock()
			})
		}
		mu.Unlock()
		s, err := sqlstore.New(db, sqlstore.Postgres, env, sqlstore.Options{Prefix: prefix, NoPrepare: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, storetest.Options{MachineRuns: 5, SkipRegressions: true, SkipPairRace: true, Leftovers: leftovers})
}

// startPgBouncer starts PgBouncer in transaction pooling in front of the
// server at host:port for database name, with two server connections, and
// returns the port it listens on.
func startPgBouncer(t *testing.T, host, port, name string) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := l.Addr().(*net.TCPAddr).Port
	l.Close()
	// PgBouncer refuses to run as root: it runs as postgres, in a folder
	// that user can read and write.
	dir, err := os.MkdirTemp("", "roster-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if port == "" {
		port = "5432"
	}
	ini := filepath.Join(dir, "pgbouncer.ini")
	conf := fmt.Sprintf(`[databases]
%s = host=%s port=%s dbname=%s
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = 2
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
`, name, host, port, name, listen, filepath.Join(dir, "users.txt"), filepath.Join(dir, "pgbouncer.log"), filepath.Join(dir, "pgbouncer.pid"))
	for file, body := range map[string]string{ini: conf, filepath.Join(dir, "users.txt"): `"postgres" ""` + "\n"} {
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{ini}
	if os.Geteuid() == 0 {
		args = []string{"-u", "postgres", ini}
	}
	cmd := exec.Command(pgbouncer, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", listen))
		if err == nil {
			c.Close()
			return listen
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			t.Fatalf("PgBouncer does not listen on %d: %v\n%s", listen, err, log)
		}
	}
}
