package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// pgbouncer is the distribution's PgBouncer, which .ci/run installs.
const pgbouncer = "/usr/sbin/pgbouncer"

// startPgBouncer starts PgBouncer in transaction pooling in front of the
// server at host:port for database name, with poolSize server connections,
// and returns the port it listens on. It stops when t ends. (The same
// starter as sqlstore's TestPgBouncer.)
func startPgBouncer(t *testing.T, host, port, name string, poolSize int) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := l.Addr().(*net.TCPAddr).Port
	l.Close()
	// PgBouncer refuses to run as root: it runs as postgres, in a folder
	// that user can read and write.
	dir, err := os.MkdirTemp("", "service-pgbouncer-")
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
default_pool_size = %d
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
`, name, host, port, name, listen, filepath.Join(dir, "users.txt"), poolSize, filepath.Join(dir, "pgbouncer.log"), filepath.Join(dir, "pgbouncer.pid"))
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
	// Its log goes to its logfile, shown if it does not start.
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
