package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

var dialects = []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres, sqlstore.MySQL}

// orgFixture is a migrated store with an organisation, its owner and an
// editor.
type orgFixture struct {
	s             *sqlstore.Store
	db            *sql.DB
	org           store.Org
	owner, editor store.Member
	clock         *fixture.Clock
	prefix        string
}

func newFixture(t *testing.T, d sqlstore.Dialect) *orgFixture {
	t.Helper()
	return newFixturePrefix(t, d, "f")
}

// newFixturePrefix is newFixture with tables whose prefix starts with
// start.
func newFixturePrefix(t *testing.T, d sqlstore.Dialect, start string) *orgFixture {
	t.Helper()
	clock := fixture.NewClock()
	db := openDB(t, d)
	prefix := fmt.Sprintf("%s%d_", start, prefixes.Add(1))
	s, err := sqlstore.New(db, d, fixture.NewEnv(clock, 1), sqlstore.Options{Prefix: prefix})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, s.Migrate(ctx))
	o, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "owner", Email: "owner@acme.io"}})
	require.NoError(t, err)
	ed, err := member.AddMember(ctx, s, o.ID, owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "ed", Email: "ed@acme.io"}, Role: "editor"})
	require.NoError(t, err)
	return &orgFixture{s: s, db: db, org: o, owner: owner, editor: ed, clock: clock, prefix: prefix}
}

// snapshot describes what the store holds for the organisation.
func (f *orgFixture) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	ms, _, err := f.s.Members(ctx, f.org.ID, store.Filter{}, store.Page{Limit: 1000})
	require.NoError(t, err)
	for _, m := range ms {
		fmt.Fprintf(&b, "%s %s %s %v\n", m.UserID, m.Role, m.Status, m.Allow)
	}
	invs, _, err := f.s.Invitations(ctx, f.org.ID, store.InvitationFilter{}, store.Page{Limit: 1000})
	require.NoError(t, err)
	for _, i := range invs {
		fmt.Fprintf(&b, "inv %s %s %v\n", i.Email, i.Role, i.Status)
	}
	evs, err := f.s.Events(ctx, f.org.ID, 0, 1000)
	require.NoError(t, err)
	fmt.Fprintf(&b, "events %d\n", len(evs))
	return b.String()
}

func TestHostTransaction(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			f := newFixture(t, d)
			ctx := context.Background()
			_, err := f.db.ExecContext(ctx, `CREATE TABLE host_accounts_`+strings.ReplaceAll(f.org.ID.String(), "-", "")+` (id VARCHAR(64) PRIMARY KEY)`)
			require.NoError(t, err)
			accounts := `host_accounts_` + strings.ReplaceAll(f.org.ID.String(), "-", "")
			insert := `INSERT INTO ` + accounts + ` (id) VALUES ('acct-1')`
			count := func() int {
				var n int
				require.NoError(t, f.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+accounts).Scan(&n))
				return n
			}
			before := f.snapshot(t)

			// The host's writes and roster's roll back together.
			rc := &sql.TxOptions{Isolation: sql.LevelReadCommitted}
			tx, err := f.db.BeginTx(ctx, rc)
			require.NoError(t, err)
			_, err = tx.ExecContext(ctx, insert)
			require.NoError(t, err)
			in := f.s.InTx(tx)
			newbie, err := member.AddMember(ctx, in, f.org.ID, f.owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "new", Email: "new@acme.io"}, Role: "viewer"})
			require.NoError(t, err)
			_, err = member.ChangeRole(ctx, in, f.org.ID, f.owner.ID, f.editor.ID, "admin")
			require.NoError(t, err)
			_, _, err = invite.Send(ctx, in, f.org.ID, f.owner.ID, invite.NewInvitation{Email: "guest@x.io", Role: "viewer"})
			require.NoError(t, err)
			// Reads through the bound store see the uncommitted changes.
			got, err := in.Member(ctx, f.org.ID, newbie.ID)
			require.NoError(t, err)
			require.Equal(t, "viewer", got.Role)
			// A refused rule rolls back to its savepoint and leaves the rest.
			_, err = member.ChangeRole(ctx, in, f.org.ID, f.editor.ID, f.owner.ID, "viewer")
			require.ErrorIs(t, err, member.ErrOwnerProtected)
			_, err = in.Member(ctx, f.org.ID, newbie.ID)
			require.NoError(t, err, "the refusal kept the earlier change")
			require.NoError(t, tx.Rollback())
			require.Equal(t, before, f.snapshot(t), "a host rollback leaves no member, invitation or event behind")
			require.Zero(t, count())

			// And commit together.
			tx, err = f.db.BeginTx(ctx, rc)
			require.NoError(t, err)
			_, err = tx.ExecContext(ctx, insert)
			require.NoError(t, err)
			_, err = member.AddMember(ctx, f.s.InTx(tx), f.org.ID, f.owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "new", Email: "new@acme.io"}, Role: "viewer"})
			require.NoError(t, err)
			require.NoError(t, tx.Commit())
			require.Equal(t, 1, count())
			_, err = f.s.MemberByUser(ctx, f.org.ID, "new")
			require.NoError(t, err)
			require.Error(t, f.s.InTx(tx).Migrate(ctx), "Migrate needs the Store from New")
		})
	}
}

// TestKilledConnection kills the PostgreSQL backend of a unit of work in the
// middle of it: nothing it wrote may remain.
func TestKilledConnection(t *testing.T) {
	f := newFixture(t, sqlstore.Postgres)
	ctx := context.Background()
	before := f.snapshot(t)
	admin := openDB(t, sqlstore.Postgres)
	var killed int
	err := f.s.Update(ctx, f.org.ID, func(tx store.Tx) error {
		if _, err := member.ChangeRoleTx(ctx, tx, f.owner.ID, f.editor.ID, "admin"); err != nil {
			return err
		}
		if _, err := member.AddMemberTx(ctx, tx, f.owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "new", Email: "new@acme.io"}, Role: "viewer"}); err != nil {
			return err
		}
		// Find this transaction's backend by the roster table it last
		// touched, and kill it.
		rows, err := admin.QueryContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE state = 'idle in transaction' AND pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'`, f.prefix)
		if err != nil {
			return err
		}
		for rows.Next() {
			killed++
		}
		rows.Close()
		_, _, err = invite.SendTx(ctx, tx, f.owner.ID, invite.NewInvitation{Email: "late@x.io", Role: "viewer"})
		return err
	})
	require.Equal(t, 1, killed, "the test must find and kill exactly the unit of work's backend")
	require.Error(t, err, "the unit of work fails when its connection dies")
	require.Equal(t, before, f.snapshot(t), "a killed connection leaves no partial state")
	// The pool recovers.
	_, err = member.ChangeRole(ctx, f.s, f.org.ID, f.owner.ID, f.editor.ID, "admin")
	require.NoError(t, err)
}

func TestMigrations(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			prefix := fmt.Sprintf("m%d_", prefixes.Add(1))
			env := fixture.NewEnv(fixture.NewClock(), 2)
			fresh, err := sqlstore.New(openDB(t, d), d, env, sqlstore.Options{Prefix: prefix})
			require.NoError(t, err)
			applied, known, err := fresh.Version(ctx)
			require.NoError(t, err, "Version before any Migrate")
			require.Zero(t, applied)
			require.GreaterOrEqual(t, known, 1)
			// Several processes migrate at once: they take turns, and every
			// migration is applied exactly once.
			var wg sync.WaitGroup
			errs := make([]error, 5)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := sqlstore.New(openDB(t, d), d, env, sqlstore.Options{Prefix: prefix})
					if err == nil {
						err = s.Migrate(ctx)
					}
					errs[i] = err
				}()
			}
			wg.Wait()
			require.NoError(t, errors.Join(errs...))
			db := openDB(t, d)
			s, err := sqlstore.New(db, d, env, sqlstore.Options{Prefix: prefix})
			require.NoError(t, err)
			require.NoError(t, s.Migrate(ctx), "migrating again is a no-op")
			applied, known, err = s.Version(ctx)
			require.NoError(t, err)
			require.Equal(t, known, applied)
			// Each applied once (the numbers may have gaps: a dialect
			// skips those it needs no migration for).
			var n, distinct, highest int
			require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) FROM `+prefix+`migrations`).Scan(&n, &distinct, &highest))
			require.Equal(t, distinct, n)
			require.Equal(t, known, highest)
			versions, err := sqlstore.MigrationVersions(s)
			require.NoError(t, err)
			require.Len(t, versions, n, "each migration recorded once")
			_, _, err = member.CreateOrg(ctx, s, member.NewOrg{Name: "After", Owner: member.NewUser{UserID: "u", Email: "u@x.io"}})
			require.NoError(t, err)
		})
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	env := fixture.NewEnv(fixture.NewClock(), 3)
	db := openDB(t, sqlstore.SQLite)
	for _, tc := range []struct {
		db   *sql.DB
		d    sqlstore.Dialect
		opts sqlstore.Options
	}{
		{nil, sqlstore.SQLite, sqlstore.Options{}},
		{db, sqlstore.Dialect(9), sqlstore.Options{}},
		{db, sqlstore.SQLite, sqlstore.Options{Prefix: "bad-prefix"}},
		{db, sqlstore.SQLite, sqlstore.Options{Prefix: "x; DROP TABLE y"}},
		{db, sqlstore.SQLite, sqlstore.Options{Prefix: "1roster_"}}, // not an identifier: Migrate would fail
		{db, sqlstore.Postgres, sqlstore.Options{Clock: sqlstore.HostClock + 1}},
	} {
		_, err := sqlstore.New(tc.db, tc.d, env, tc.opts)
		require.ErrorIs(t, err, store.ErrInvalid)
	}
	_, err := sqlstore.New(db, sqlstore.SQLite, store.Env{}, sqlstore.Options{})
	require.ErrorIs(t, err, store.ErrInvalid)
}

// TestConstraints writes through a unit of work what the rules never would:
// the schema refuses it, mapped to the store's sentinels. The answers are
// the same whatever the table prefix, even one that holds the name of
// another constraint (#14 item 12: a prefix containing one_owner made every
// unique violation of a member the one-owner conflict).
func TestConstraints(t *testing.T) {
	for _, d := range dialects {
		for _, start := range []string{"f", "one_owner_", "one_pending_", "members_org_", "invitations_email_"} {
			t.Run(d.String()+"/"+start, func(t *testing.T) { testConstraints(t, d, start) })
		}
	}
}

func testConstraints(t *testing.T, d sqlstore.Dialect, start string) {
	f := newFixturePrefix(t, d, start)
	ctx := context.Background()
	put := func(fn func(tx store.Tx) error) error { return f.s.Update(ctx, f.org.ID, fn) }
	second := f.editor
	second.Role = "owner"
	require.ErrorIs(t, put(func(tx store.Tx) error { return tx.PutMember(ctx, second) }), store.ErrConflict, "one owner per organisation")
	clone := f.editor
	clone.ID, clone.Email = f.clockID(t), "other@acme.io"
	require.ErrorIs(t, put(func(tx store.Tx) error { return tx.PutMember(ctx, clone) }), store.ErrAlreadyMember, "one member per user")
	twinMail := f.editor
	twinMail.ID, twinMail.UserID = f.clockID(t), "other"
	require.ErrorIs(t, put(func(tx store.Tx) error { return tx.PutMember(ctx, twinMail) }), store.ErrAlreadyMember, "one member per e-mail")
	inv, _, err := invite.Send(ctx, f.s, f.org.ID, f.owner.ID, invite.NewInvitation{Email: "p@x.io", Role: "viewer"})
	require.NoError(t, err)
	twin := inv
	twin.ID = f.clockID(t)
	twin.TokenHash[0] ^= 0xff
	require.ErrorIs(t, put(func(tx store.Tx) error { return tx.PutInvitation(ctx, twin) }), store.ErrAlreadyInvited, "one pending invitation per e-mail")
	twin.Email = "q@x.io"
	twin.TokenHash = inv.TokenHash
	require.ErrorIs(t, put(func(tx store.Tx) error { return tx.PutInvitation(ctx, twin) }), store.ErrConflict, "token hashes are unique")
	// A record of another organisation is never moved into this one.
	other, otherOwner, err := member.CreateOrg(ctx, f.s, member.NewOrg{Name: "Other", Owner: member.NewUser{UserID: "x", Email: "x@other.io"}})
	require.NoError(t, err)
	stolen := otherOwner
	stolen.Org, stolen.Role, stolen.UserID, stolen.Email = f.org.ID, "viewer", "thief", "thief@acme.io"
	require.ErrorIs(t, put(func(tx store.Tx) error { return tx.PutMember(ctx, stolen) }), store.ErrConflict)
	still, err := f.s.Member(ctx, other.ID, otherOwner.ID)
	require.NoError(t, err)
	require.True(t, still.IsOwner())
}

func (f *orgFixture) clockID(t *testing.T) store.ID {
	id, err := f.s.Env().NewID()
	require.NoError(t, err)
	return id
}

func TestSQLiteDSNCreatesWALDatabase(t *testing.T) {
	db := openDB(t, sqlstore.SQLite)
	var mode string
	require.NoError(t, db.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
	require.Equal(t, "wal", mode)
	var fk int
	require.NoError(t, db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk))
	require.Equal(t, 1, fk)

	// A path with the characters a URI gives meaning to opens that file,
	// with every setting, not a shorter name without them.
	for _, name := range []string{"a#1.db", "q?.db", "p%41.db", "sp ace.db"} {
		path := filepath.Join(t.TempDir(), name)
		db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
		require.NoError(t, err)
		require.NoError(t, db.QueryRow(`PRAGMA journal_mode`).Scan(&mode), name)
		require.Equal(t, "wal", mode, name)
		require.NoError(t, db.Close())
		_, err = os.Stat(path)
		require.NoError(t, err, "%s: the file of that name exists", name)
	}
}

// TestOneConnection runs the rules on a pool of one connection, as SQLite
// hosts often configure it: a unit of work holds that connection, and must
// never wait for a second one.
func TestOneConnection(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			db := openDB(t, d)
			db.SetMaxOpenConns(1)
			s, err := sqlstore.New(db, d, fixture.NewEnv(fixture.NewClock(), 4), sqlstore.Options{Prefix: fmt.Sprintf("one%d_", prefixes.Add(1))})
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			require.NoError(t, s.Migrate(ctx))
			for i := range 3 {
				o, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: fmt.Sprint("o", i), Email: fmt.Sprintf("o%d@x.io", i)}})
				require.NoError(t, err)
				_, _, err = invite.Send(ctx, s, o.ID, owner.ID, invite.NewInvitation{Email: "p@x.io", Role: "viewer"})
				require.NoError(t, err)
				tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
				require.NoError(t, err)
				_, err = member.AddMember(ctx, s.InTx(tx), o.ID, owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "n", Email: "n@x.io"}, Role: "viewer"})
				require.NoError(t, err)
				require.NoError(t, tx.Commit())
			}
		})
	}
}

// TestHeldWrites runs units of work that write several tables and read
// between writes, which on PostgreSQL hold their writes back and send them
// together: a failing write fails the unit of work with its own sentinel
// and leaves nothing behind, reads see the writes before them, and the
// events get consecutive sequence numbers.
func TestHeldWrites(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			f := newFixture(t, d)
			ctx := context.Background()
			before := f.snapshot(t)
			events, err := f.s.Events(ctx, f.org.ID, 0, 1000)
			require.NoError(t, err)
			last := events[len(events)-1].Seq
			event := func(tx store.Tx, typ store.EventType) *store.Event {
				id := f.clockID(t)
				return &store.Event{ID: id, Org: f.org.ID, Time: f.clock.Now(), Type: typ, Object: id}
			}
			inv, _, err := invite.Send(ctx, f.s, f.org.ID, f.owner.ID, invite.NewInvitation{Email: "held@x.io", Role: "viewer"})
			require.NoError(t, err)
			last++ // invitation.sent
			before = f.snapshot(t)

			// A colliding member between two good writes: nothing stays.
			clone := f.editor
			clone.ID, clone.Email = f.clockID(t), "other@acme.io"
			err = f.s.Update(ctx, f.org.ID, func(tx store.Tx) error {
				cancelled := inv
				cancelled.Status = store.Cancelled
				if err := tx.PutInvitation(ctx, cancelled); err != nil {
					return err
				}
				if err := tx.PutMember(ctx, clone); err != nil {
					return err
				}
				return tx.Append(ctx, event(tx, store.MemberAdded))
			})
			require.ErrorIs(t, err, store.ErrAlreadyMember)
			require.Equal(t, before, f.snapshot(t), "a failed unit of work leaves nothing behind")

			// The same, with a read after the failing write.
			err = f.s.Update(ctx, f.org.ID, func(tx store.Tx) error {
				if err := tx.PutMember(ctx, clone); err != nil {
					return err
				}
				_, err := tx.Member(ctx, f.owner.ID)
				return err
			})
			require.ErrorIs(t, err, store.ErrAlreadyMember)
			require.Equal(t, before, f.snapshot(t))

			// Writes, reads of them, and three events with writes between.
			var got []*store.Event
			err = f.s.Update(ctx, f.org.ID, func(tx store.Tx) error {
				ed := f.editor
				ed.Role, ed.Updated = "viewer", f.clock.Now()
				if err := tx.PutMember(ctx, ed); err != nil {
					return err
				}
				e1 := event(tx, store.MemberRoleChanged)
				if err := tx.Append(ctx, e1); err != nil {
					return err
				}
				ed.Role = "manager"
				if err := tx.PutMember(ctx, ed); err != nil {
					return err
				}
				e2 := event(tx, store.MemberRoleChanged)
				if err := tx.Append(ctx, e2); err != nil {
					return err
				}
				read, err := tx.Member(ctx, ed.ID)
				if err != nil {
					return err
				}
				if read.Role != "manager" {
					return fmt.Errorf("read role %q after writing manager", read.Role)
				}
				cancelled := inv
				cancelled.Status = store.Cancelled
				if err := tx.PutInvitation(ctx, cancelled); err != nil {
					return err
				}
				e3 := event(tx, store.InvitationCancelled)
				got = []*store.Event{e1, e2, e3}
				return tx.Append(ctx, e3)
			})
			require.NoError(t, err)
			for i, e := range got {
				require.Equal(t, last+int64(i)+1, e.Seq, "event %d's sequence number", i)
			}
			events, err = f.s.Events(ctx, f.org.ID, last, 1000)
			require.NoError(t, err)
			require.Len(t, events, 3)
			for i, e := range events {
				require.Equal(t, got[i].ID, e.ID)
			}
			ed, err := f.s.Member(ctx, f.org.ID, f.editor.ID)
			require.NoError(t, err)
			require.Equal(t, "manager", ed.Role)
			stored, err := f.s.Invitation(ctx, f.org.ID, inv.ID)
			require.NoError(t, err)
			require.Equal(t, store.Cancelled, stored.Status)
		})
	}
}

// TestOpenLookupsUseTheirIndex checks that the lookups of open rows are
// served by the one-open indexes (and the partial indexes of pending
// invitations: by expiry, by role, in order) in the plan a prepared statement keeps
// (PostgreSQL's generic plan, with no parameter known): with the status as a
// parameter, a partial index cannot serve it, and the lookup would scan the
// organisation's every invitation, past ones included. MySQL has no partial
// index (its one-open keys are on generated columns) and plans a prepared
// statement anew at each execution.
func TestOpenLookupsUseTheirIndex(t *testing.T) {
	require.EqualValues(t, 1, store.Pending, "the one-open indexes and lookups say status = 1")
	require.EqualValues(t, 1, store.Asked, "the one-open indexes and lookups say status = 1")
	require.EqualValues(t, 1, store.ForMember, "invitations_seats and its lookup say kind = 1")
	ctx := context.Background()
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			s, db := newStore(t, d, fixture.NewEnv(fixture.NewClock(), 9))
			// An organisation with 2,000 invitations, half of them
			// closed, ANALYZEd: the planner chooses by its statistics,
			// not by the ties of empty tables.
			org, _, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "owner", Email: "owner@acme.io"}})
			require.NoError(t, err)
			bulkOrgInvitations(t, db, s, org.ID, 2_000)
			_, err = db.ExecContext(ctx, d.Rebind(`UPDATE `+s.Prefix()+`invitations SET status = ? WHERE substr(email, 2, 1) IN ('0', '2', '4', '6', '8')`), int(store.Cancelled))
			require.NoError(t, err)
			_, err = db.ExecContext(ctx, `UPDATE `+s.Prefix()+`invitations SET role = 'custom' || substr(email, 2, 2)`)
			require.NoError(t, err) // about a hundred roles
			analyze := `ANALYZE`
			if d == sqlstore.Postgres {
				analyze += ` ` + s.Prefix() + `invitations, ` + s.Prefix() + `orgs`
			}
			_, err = db.ExecContext(ctx, analyze)
			require.NoError(t, err)
			conn, err := db.Conn(ctx)
			require.NoError(t, err)
			defer conn.Close()
			if d == sqlstore.Postgres {
				_, err := conn.ExecContext(ctx, "SET plan_cache_mode = force_generic_plan")
				require.NoError(t, err)
			}
			n := 0
			for query, index := range sqlstore.OpenLookups(d) {
				query = d.Rebind(strings.ReplaceAll(query, "{p}", s.Prefix()))
				var explain string
				var args []any
				if d == sqlstore.Postgres {
					n++
					name := fmt.Sprintf("open%d", n)
					_, err := conn.ExecContext(ctx, "PREPARE "+name+" AS "+query)
					require.NoError(t, err)
					nulls := strings.Repeat("NULL, ", strings.Count(query, "$"))
					explain = "EXPLAIN EXECUTE " + name + "(" + strings.TrimSuffix(nulls, ", ") + ")"
				} else {
					explain = "EXPLAIN QUERY PLAN " + query
					args = make([]any, strings.Count(query, "?"))
				}
				rows, err := conn.QueryContext(ctx, explain, args...)
				require.NoError(t, err)
				plan := planText(t, rows)
				require.Contains(t, plan, s.Prefix()+index, "%s\n%s", query, plan)
			}
			// RoleInUse's EXISTS, for a role no pending invitation has,
			// as a role is deleted: the role's index entries alone.
			query := d.Rebind(strings.ReplaceAll(sqlstore.PendingOfRole, "{p}", s.Prefix()))
			require.Contains(t, sqlstore.RoleInUseQuery, strings.TrimPrefix(sqlstore.PendingOfRole, "SELECT 1 "), "RoleInUse says what this test explains")
			rows, err := conn.QueryContext(ctx, map[sqlstore.Dialect]string{sqlstore.SQLite: "EXPLAIN QUERY PLAN ", sqlstore.Postgres: "EXPLAIN "}[d]+query,
				dialectID(d, org.ID), "unused")
			require.NoError(t, err)
			plan := planText(t, rows)
			require.Contains(t, plan, s.Prefix()+"invitations_role", "%s\n%s", query, plan)
		})
	}
}

// planText joins every column of every row of an EXPLAIN.
func planText(t *testing.T, rows *sql.Rows) string {
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var b strings.Builder
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(dest...))
		for _, v := range vals {
			b.WriteString(v.String + " ")
		}
		b.WriteString("\n")
	}
	require.NoError(t, rows.Err())
	return b.String()
}
