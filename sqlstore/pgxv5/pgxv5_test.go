package pgxv5_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/sqlstore/pgxv5"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// world is a migrated store on a pgxpool, an organisation with its owner
// and an editor, and a host table of its own ("projects").
type world struct {
	ctx           context.Context
	pool          *pgxpool.Pool
	s             *sqlstore.Store
	org           store.Org
	owner, editor store.Member
	projects      string
}

func newWorld(t *testing.T, seats int) *world {
	t.Helper()
	ctx := context.Background()
	pool := newPool(t)
	s := newStore(t, pool, store.Env{Policy: fixture.Policy()})
	org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", SeatLimit: seats, Owner: member.NewUser{UserID: "owner", Email: "owner@acme.io"}})
	require.NoError(t, err)
	ed, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "ed", Email: "ed@acme.io"}, Role: "editor"})
	require.NoError(t, err)
	projects := s.Prefix() + "projects"
	_, err = pool.Exec(ctx, `CREATE TABLE `+projects+` (name TEXT PRIMARY KEY, org UUID NOT NULL)`)
	require.NoError(t, err)
	return &world{ctx: ctx, pool: pool, s: s, org: org, owner: owner, editor: ed, projects: projects}
}

// begin begins a host transaction at level (pgx's default, READ
// COMMITTED, when empty), rolled back when t ends unless committed.
func (w *world) begin(t *testing.T, level pgx.TxIsoLevel) pgx.Tx {
	t.Helper()
	tx, err := w.pool.BeginTx(w.ctx, pgx.TxOptions{IsoLevel: level})
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return tx
}

// snapshot is what the store holds of the organisation, and the host's
// projects.
func (w *world) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	ms, _, err := w.s.Members(w.ctx, w.org.ID, store.Filter{}, store.Page{Limit: 100})
	require.NoError(t, err)
	for _, m := range ms {
		fmt.Fprintf(&b, "%s %s %s\n", m.UserID, m.Role, m.Status)
	}
	invs, _, err := w.s.Invitations(w.ctx, w.org.ID, store.InvitationFilter{}, store.Page{Limit: 100})
	require.NoError(t, err)
	for _, i := range invs {
		fmt.Fprintf(&b, "inv %s %s %v\n", i.Email, i.Role, i.Status)
	}
	keys, _, err := w.s.Keys(w.ctx, w.org.ID, w.editor.ID, store.Page{Limit: 100})
	require.NoError(t, err)
	fmt.Fprintf(&b, "keys %d\n", len(keys))
	evs, err := w.s.Events(w.ctx, w.org.ID, 0, 1000)
	require.NoError(t, err)
	fmt.Fprintf(&b, "events %d\n", len(evs))
	var n int
	require.NoError(t, w.pool.QueryRow(w.ctx, `SELECT COUNT(*) FROM `+w.projects).Scan(&n))
	fmt.Fprintf(&b, "projects %d\n", n)
	return b.String()
}

// TestRulesInPgxTx: a run of rules in the host's pgx.Tx, beside the host's
// own write, sees its own changes, keeps them past a refused rule, and
// leaves nothing behind when the host rolls back; committed, all of it
// stays.
func TestRulesInPgxTx(t *testing.T) {
	w := newWorld(t, 0)
	before := w.snapshot(t)
	var token, secret string
	apply := func(tx pgx.Tx) {
		t.Helper()
		_, err := tx.Exec(w.ctx, `INSERT INTO `+w.projects+` (name, org) VALUES ($1, $2)`, "apollo", w.org.ID)
		require.NoError(t, err)
		in := pgxv5.InTx(w.s, tx)
		bob, err := member.AddMember(w.ctx, in, w.org.ID, w.owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}, Role: "viewer"})
		require.NoError(t, err)
		_, err = member.ChangeRole(w.ctx, in, w.org.ID, w.owner.ID, bob.ID, "manager")
		require.NoError(t, err)
		_, token, err = invite.Send(w.ctx, in, w.org.ID, bob.ID, invite.NewInvitation{Email: "cy@acme.io", Role: "editor"})
		require.NoError(t, err)
		shown, err := invite.Show(w.ctx, in, token)
		require.NoError(t, err)
		require.Equal(t, "cy@acme.io", shown.Email)
		acc, err := invite.Accept(w.ctx, in, token, member.NewUser{UserID: "cy", Email: "cy@acme.io"})
		require.NoError(t, err)
		require.Equal(t, "editor", acc.Member.Role)
		cy := acc.Member
		_, secret, err = member.IssueKey(w.ctx, in, w.org.ID, w.owner.ID, w.editor.ID, "ci")
		require.NoError(t, err)
		m, _, err := member.Authenticate(w.ctx, in, secret)
		require.NoError(t, err)
		require.Equal(t, w.editor.ID, m.ID)
		_, err = member.Deactivate(w.ctx, in, w.org.ID, bob.ID, cy.ID)
		require.NoError(t, err)
		// Reads through the bound store see the uncommitted changes; the
		// store's own pool does not.
		got, err := in.MemberByUser(w.ctx, w.org.ID, "cy")
		require.NoError(t, err)
		require.Equal(t, store.Inactive, got.Status)
		ms, _, err := in.Members(w.ctx, w.org.ID, store.Filter{}, store.Page{Limit: 10})
		require.NoError(t, err)
		require.Len(t, ms, 4)
		_, err = w.s.MemberByUser(w.ctx, w.org.ID, "bob")
		require.ErrorIs(t, err, store.ErrNotFound)
		// A refused rule rolls back to its savepoint and keeps the rest.
		_, err = member.ChangeRole(w.ctx, in, w.org.ID, bob.ID, w.owner.ID, "viewer")
		require.ErrorIs(t, err, member.ErrOwnerProtected)
		_, err = in.MemberByUser(w.ctx, w.org.ID, "bob")
		require.NoError(t, err, "the refusal kept the earlier changes")
		evs, err := in.Events(w.ctx, w.org.ID, 0, 100)
		require.NoError(t, err)
		require.Len(t, evs, 2+6, "one event per change, none for the refusal")
	}

	tx := w.begin(t, "")
	apply(tx)
	require.NoError(t, tx.Rollback(w.ctx))
	require.Equal(t, before, w.snapshot(t), "the host's rollback leaves no member, invitation, key, event or project behind")
	_, _, err := member.Authenticate(w.ctx, w.s, secret)
	require.ErrorIs(t, err, store.ErrNotFound, "nor a key")
	_, err = invite.Show(w.ctx, w.s, token)
	require.ErrorIs(t, err, store.ErrNotFound, "nor an invitation")

	tx = w.begin(t, "")
	apply(tx)
	require.NoError(t, tx.Commit(w.ctx))
	after := w.snapshot(t)
	require.Contains(t, after, "bob manager active\n")
	require.Contains(t, after, "cy editor inactive\n")
	require.Contains(t, after, "keys 1\nevents 8\nprojects 1\n")
	m, _, err := member.Authenticate(w.ctx, w.s, secret)
	require.NoError(t, err)
	require.Equal(t, w.editor.ID, m.ID)
}

// TestErrorsTyped: the database's unique violations reach the store as
// pgx's *pgconn.PgError and are mapped to the store's sentinels by the
// name of the constraint that refused (two constraints of one table give
// two sentinels), as they are through database/sql.
func TestErrorsTyped(t *testing.T) {
	w := newWorld(t, 0)
	put := func(fn func(tx store.Tx) error) error {
		t.Helper()
		tx := w.begin(t, "")
		err := pgxv5.InTx(w.s, tx).Update(w.ctx, w.org.ID, fn)
		require.NoError(t, tx.Rollback(w.ctx))
		return err
	}
	newID := func() store.ID {
		id, err := w.s.Env().NewID()
		require.NoError(t, err)
		return id
	}
	second := w.editor
	second.Role = "owner"
	require.ErrorIs(t, put(func(tx store.Tx) error { return tx.PutMember(w.ctx, second) }), store.ErrConflict, "one owner per organisation")
	clone := w.editor
	clone.ID, clone.Email = newID(), "other@acme.io"
	require.ErrorIs(t, put(func(tx store.Tx) error { return tx.PutMember(w.ctx, clone) }), store.ErrAlreadyMember, "one member per user")
	inv, _, err := invite.Send(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: "p@x.io", Role: "viewer"})
	require.NoError(t, err)
	twin := inv
	twin.ID = newID()
	twin.TokenHash[0] ^= 0xff
	require.ErrorIs(t, put(func(tx store.Tx) error { return tx.PutInvitation(w.ctx, twin) }), store.ErrAlreadyInvited, "one pending invitation per e-mail")
	twin.Email, twin.TokenHash = "q@x.io", inv.TokenHash
	err = put(func(tx store.Tx) error { return tx.PutInvitation(w.ctx, twin) })
	require.ErrorIs(t, err, store.ErrConflict, "token hashes are unique")
	require.NotErrorIs(t, err, store.ErrAlreadyInvited)

	// A rule's refusal is its sentinel, with its stable code.
	tx := w.begin(t, "")
	_, err = member.ChangeRole(w.ctx, pgxv5.InTx(w.s, tx), w.org.ID, w.editor.ID, w.owner.ID, "viewer")
	require.ErrorIs(t, err, member.ErrForbidden)
	code, status := store.ErrorCode(err)
	require.Equal(t, "forbidden", code)
	require.Equal(t, 403, status)
}

// TestLastSeat: two host pgx transactions race for an organisation's last
// seat, each beside a write of its own: one wins, the other is refused
// with member.ErrSeatLimit, and the loser's host write is rolled back
// with it. Rounds repeat the race with fresh organisations.
func TestLastSeat(t *testing.T) {
	w := newWorld(t, 3) // owner and editor: one seat left
	for round := range 10 {
		org, owner, err := member.CreateOrg(w.ctx, w.s, member.NewOrg{Name: "Seats", SeatLimit: 2, Owner: member.NewUser{UserID: "o", Email: "o@seats.io"}})
		require.NoError(t, err)
		start := make(chan struct{})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				errs[i] = pgx.BeginFunc(w.ctx, w.pool, func(tx pgx.Tx) error {
					name := fmt.Sprintf("p%d-%d", round, i)
					if _, err := tx.Exec(w.ctx, `INSERT INTO `+w.projects+` (name, org) VALUES ($1, $2)`, name, org.ID); err != nil {
						return err
					}
					<-start
					user := fmt.Sprintf("u%d", i)
					_, err := member.AddMember(w.ctx, pgxv5.InTx(w.s, tx), org.ID, owner.ID, member.NewMember{NewUser: member.NewUser{UserID: user, Email: user + "@seats.io"}, Role: "viewer"})
					return err
				})
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else {
				require.ErrorIs(t, err, member.ErrSeatLimit)
			}
		}
		require.Equal(t, 1, won, "round %d: exactly one transaction takes the last seat: %v", round, errs)
		ms, _, err := w.s.Members(w.ctx, org.ID, store.Filter{}, store.Page{Limit: 10})
		require.NoError(t, err)
		require.Len(t, ms, 2)
		var n int
		require.NoError(t, w.pool.QueryRow(w.ctx, `SELECT COUNT(*) FROM `+w.projects+` WHERE org = $1`, org.ID).Scan(&n))
		require.Equal(t, 1, n, "the loser's own write rolled back with it")
	}
}

// TestConflicts: a deadlock and a serialisation failure that the database
// reports to a unit of work in the host's pgx.Tx are store.ErrConflict,
// with the *pgconn.PgError in the chain, as through database/sql.
func TestConflicts(t *testing.T) {
	t.Run("deadlock", func(t *testing.T) {
		w := newWorld(t, 0)
		other, otherOwner, err := member.CreateOrg(w.ctx, w.s, member.NewOrg{Name: "Other", Owner: member.NewUser{UserID: "x", Email: "x@other.io"}})
		require.NoError(t, err)
		// Each host transaction holds one organisation's lock (a
		// savepoint's release keeps its row locks) and then asks for the
		// other's.
		a, b := w.begin(t, ""), w.begin(t, "")
		rename := func(tx pgx.Tx, org, actor store.ID, name string) error {
			_, err := member.RenameOrg(w.ctx, pgxv5.InTx(w.s, tx), org, actor, name)
			return err
		}
		require.NoError(t, rename(a, w.org.ID, w.owner.ID, "A1"))
		require.NoError(t, rename(b, other.ID, otherOwner.ID, "B1"))
		type result struct {
			tx  pgx.Tx
			err error
		}
		results := make(chan result, 2)
		go func() { results <- result{a, rename(a, other.ID, otherOwner.ID, "B2")} }()
		go func() { results <- result{b, rename(b, w.org.ID, w.owner.ID, "A2")} }()
		// The deadlock's victim fails; once its transaction is rolled
		// back, the other goes on. (A pgx.Tx is one goroutine's at a
		// time: each is rolled back after its goroutine is done.)
		victim := <-results
		require.ErrorIs(t, victim.err, store.ErrConflict)
		var pg *pgconn.PgError
		require.ErrorAs(t, victim.err, &pg)
		require.Equal(t, "40P01", pg.Code)
		require.NoError(t, victim.tx.Rollback(w.ctx))
		winner := <-results
		require.NoError(t, winner.err)
		require.NoError(t, winner.tx.Commit(w.ctx))
	})
	t.Run("serialization", func(t *testing.T) {
		w := newWorld(t, 0)
		tx := w.begin(t, pgx.Serializable)
		var n int
		require.NoError(t, tx.QueryRow(w.ctx, `SELECT COUNT(*) FROM `+w.projects).Scan(&n)) // the snapshot
		// Meanwhile another transaction changes the organisation's row.
		_, err := member.RenameOrg(w.ctx, w.s, w.org.ID, w.owner.ID, "Renamed")
		require.NoError(t, err)
		_, err = member.AddMember(w.ctx, pgxv5.InTx(w.s, tx), w.org.ID, w.owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "n", Email: "n@acme.io"}, Role: "viewer"})
		require.ErrorIs(t, err, store.ErrConflict)
		var pg *pgconn.PgError
		require.ErrorAs(t, err, &pg)
		require.Equal(t, "40001", pg.Code)
	})
}

// TestRepeatableReadRefused: at REPEATABLE READ the rules would decide on
// a snapshot older than the organisation's lock, so InTx refuses the
// transaction with store.ErrInvalid, as sqlstore's InTx refuses a *sql.Tx
// at that level; READ COMMITTED and SERIALIZABLE run.
func TestRepeatableReadRefused(t *testing.T) {
	w := newWorld(t, 0)
	for _, level := range []pgx.TxIsoLevel{"", pgx.ReadCommitted, pgx.RepeatableRead, pgx.Serializable} {
		tx := w.begin(t, level)
		user := "u" + strings.ReplaceAll(string(level), " ", "")
		_, err := member.AddMember(w.ctx, pgxv5.InTx(w.s, tx), w.org.ID, w.owner.ID, member.NewMember{NewUser: member.NewUser{UserID: user, Email: user + "@acme.io"}, Role: "viewer"})
		if level == pgx.RepeatableRead {
			require.ErrorIs(t, err, store.ErrInvalid)
			require.Contains(t, err.Error(), "REPEATABLE READ")
		} else {
			require.NoError(t, err, "level %q", level)
		}
		require.NoError(t, tx.Rollback(w.ctx))
	}
}

// TestAdvanceTx: a feed cursor moved in the host's pgx.Tx moves with its
// commit, and not with its rollback.
func TestAdvanceTx(t *testing.T) {
	w := newWorld(t, 0)
	evs, err := w.s.Feed(w.ctx, 0, 100)
	require.NoError(t, err)
	require.Len(t, evs, 2)
	last := evs[len(evs)-1].Pos

	tx := w.begin(t, "")
	require.NoError(t, pgxv5.AdvanceTx(w.ctx, w.s, tx, "mailer", last))
	require.NoError(t, tx.Rollback(w.ctx))
	pos, err := w.s.Cursor(w.ctx, "mailer")
	require.NoError(t, err)
	require.Zero(t, pos, "rolled back with the host")

	tx = w.begin(t, "")
	require.NoError(t, pgxv5.AdvanceTx(w.ctx, w.s, tx, "mailer", last))
	require.NoError(t, pgxv5.AdvanceTx(w.ctx, w.s, tx, "mailer", 1), "never back")
	require.ErrorIs(t, pgxv5.AdvanceTx(w.ctx, w.s, tx, "", 1), store.ErrInvalid)
	require.ErrorIs(t, pgxv5.AdvanceTx(w.ctx, w.s, tx, "mailer", -1), store.ErrInvalid)
	require.NoError(t, tx.Commit(w.ctx))
	pos, err = w.s.Cursor(w.ctx, "mailer")
	require.NoError(t, err)
	require.Equal(t, last, pos)
}

// TestBadInput: a pgx.Tx for a store of another dialect, or a nil one, is
// store.ErrInvalid at the first call, not a panic or a database error.
func TestBadInput(t *testing.T) {
	w := newWorld(t, 0)
	db := stdlib.OpenDBFromPool(w.pool)
	defer db.Close()
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.MySQL} {
		s, err := sqlstore.New(db, d, store.Env{Policy: fixture.Policy()}, sqlstore.Options{})
		require.NoError(t, err)
		tx := w.begin(t, "")
		_, err = member.ChangeRole(w.ctx, pgxv5.InTx(s, tx), w.org.ID, w.owner.ID, w.editor.ID, "viewer")
		require.ErrorIs(t, err, store.ErrInvalid, "%v", d)
		_, err = pgxv5.InTx(s, tx).Member(w.ctx, w.org.ID, w.editor.ID)
		require.ErrorIs(t, err, store.ErrInvalid, "%v", d)
		require.ErrorIs(t, pgxv5.AdvanceTx(w.ctx, s, tx, "c", 1), store.ErrInvalid, "%v", d)
	}
	_, err := member.ChangeRole(w.ctx, pgxv5.InTx(w.s, nil), w.org.ID, w.owner.ID, w.editor.ID, "viewer")
	require.ErrorIs(t, err, store.ErrInvalid)
	require.ErrorIs(t, pgxv5.AdvanceTx(w.ctx, w.s, nil, "c", 1), store.ErrInvalid)
	m, err := w.s.Member(w.ctx, w.org.ID, w.editor.ID)
	require.NoError(t, err)
	require.Equal(t, "editor", m.Role, "nothing changed")
}

// TestDeadline: a deadline ends a unit of work in the host's pgx.Tx that
// waits for an organisation another transaction holds.
func TestDeadline(t *testing.T) {
	w := newWorld(t, 0)
	holder := w.begin(t, "")
	_, err := member.RenameOrg(w.ctx, pgxv5.InTx(w.s, holder), w.org.ID, w.owner.ID, "Held")
	require.NoError(t, err)
	tx := w.begin(t, "")
	ctx, cancel := context.WithTimeout(w.ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = member.ChangeRole(ctx, pgxv5.InTx(w.s, tx), w.org.ID, w.owner.ID, w.editor.ID, "viewer")
	require.Error(t, err)
	require.True(t, errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err), "a deadline's error: %v", err)
	require.Less(t, time.Since(start), 2*time.Second)
	require.NoError(t, holder.Rollback(w.ctx))
	m, err := w.s.Member(w.ctx, w.org.ID, w.editor.ID)
	require.NoError(t, err)
	require.Equal(t, "editor", m.Role)
}
