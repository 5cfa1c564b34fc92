package sqlstore_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
)

// TestUpgrade builds a database as each earlier schema version left it,
// with an organisation, members, an API key and audit events in it, then
// migrates to the latest version: everything is still there and behaves,
// including the constraints and the keys' cascade on removal.
func TestUpgrade(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			env := fixture.NewEnv(fixture.NewClock(), 3)
			probe, err := sqlstore.New(openDB(t, d), d, env, sqlstore.Options{Prefix: fmt.Sprintf("v%d_", prefixes.Add(1))})
			require.NoError(t, err)
			applied, known, err := probe.Version(ctx)
			require.NoError(t, err)
			require.Zero(t, applied)
			versions, err := sqlstore.MigrationVersions(probe)
			require.NoError(t, err)
			require.Equal(t, known, versions[len(versions)-1])
			for _, from := range versions[:len(versions)-1] {
				t.Run(fmt.Sprintf("from-%d", from), func(t *testing.T) { upgrade(t, d, env, from) })
			}
		})
	}
}

func upgrade(t *testing.T, d sqlstore.Dialect, env store.Env, from int) {
	ctx := context.Background()
	db := openDB(t, d)
	s, err := sqlstore.New(db, d, env, sqlstore.Options{Prefix: fmt.Sprintf("v%d_", prefixes.Add(1))})
	require.NoError(t, err)
	require.NoError(t, sqlstore.MigrateTo(ctx, s, from))
	applied, _, err := s.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, from, applied)

	// The organisation and its members written as the old schema's rows
	// (the rules of today keep the staff counter, which it lacks), and read
	// back with today's reads once migrated: today's reads name columns
	// that an old schema lacks (members.ends, from 0008).
	org := store.Org{ID: uuid.Must(uuid.NewV7())}
	_, err = db.ExecContext(ctx, d.Rebind(`INSERT INTO `+s.Prefix()+`orgs (id, name, seat_limit, pending_owner, created, updated) VALUES (?, 'Acme', 0, ?, 0, 0)`),
		dialectID(d, org.ID), dialectID(d, store.ID{}))
	require.NoError(t, err)
	row := func(user, role string, owner int) store.Member {
		m := store.Member{ID: uuid.Must(uuid.NewV7()), Org: org.ID, UserID: user, Email: user + "@acme.io", Role: role,
			Status: store.Active, Kind: store.Staff}
		_, err := db.ExecContext(ctx, d.Rebind(`INSERT INTO `+s.Prefix()+`members (id, org, user_id, email, name, role, allow, deny, scopes, status, kind, is_owner, profile, created, updated)
			VALUES (?, ?, ?, ?, '', ?, '', '', '', 1, 1, ?, '{}', 0, 0)`),
			dialectID(d, m.ID), dialectID(d, org.ID), user, m.Email, role, owner)
		require.NoError(t, err)
		if staffCounted := map[sqlstore.Dialect]int{sqlstore.SQLite: 7}[d]; from >= max(staffCounted, 6) {
			// A schema that has the staff counter: the row's writer keeps it.
			_, err := db.ExecContext(ctx, d.Rebind(`UPDATE `+s.Prefix()+`orgs SET staff = staff + 1 WHERE id = ?`), dialectID(d, org.ID))
			require.NoError(t, err)
		}
		return m
	}
	owner := row("owner", "owner", 1)
	var added []store.Member
	for i := range 3 {
		added = append(added, row(fmt.Sprint("u", i), "editor", 0))
	}
	// The API key as the old schema's row: no permissions, no expiry.
	var raw [32]byte
	_, err = rand.Read(raw[:])
	require.NoError(t, err)
	secret := member.KeyKind + "_" + base64.RawURLEncoding.EncodeToString(raw[:])
	hash := sha256.Sum256(raw[:])
	cols, vals := "", ""
	if lifetimes := map[sqlstore.Dialect]int{sqlstore.SQLite: 10}[d]; from >= max(lifetimes, 9) {
		cols, vals = ", perms", ", ''" // MySQL's TEXT has no default
	}
	_, err = db.ExecContext(ctx, d.Rebind(`INSERT INTO `+s.Prefix()+`api_keys (id, org, member_id, name, prefix, hash, created`+cols+`) VALUES (?, ?, ?, 'ci', ?, ?, 0`+vals+`)`),
		dialectID(d, uuid.Must(uuid.NewV7())), dialectID(d, org.ID), dialectID(d, added[0].ID), secret[:13], hash[:])
	require.NoError(t, err)
	// Pending invitations for staff as the old schema's rows, before the
	// invitation counters: one open, one expired, and a cancelled one.
	for i, inv := range []struct {
		status  store.InvitationStatus
		expires time.Time
	}{{store.Pending, env.Time().Add(24 * time.Hour)}, {store.Pending, env.Time().Add(-time.Hour)}, {store.Cancelled, env.Time().Add(time.Hour)}} {
		var token [32]byte
		_, err := rand.Read(token[:])
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, d.Rebind(`INSERT INTO `+s.Prefix()+`invitations (id, org, kind, email, role, allow, deny, scopes, profile,
			invited_by, status, token_hash, ttl, sent, expires, resends, joined, created, updated)
			VALUES (?, ?, 1, ?, 'viewer', '', '', '', '{}', '{}', ?, ?, 0, 0, ?, 0, ?, 0, 0)`),
			dialectID(d, uuid.Must(uuid.NewV7())), dialectID(d, org.ID), fmt.Sprintf("invited%d@acme.io", i), int(inv.status), token[:],
			inv.expires.UnixMicro(), dialectID(d, store.ID{}))
		require.NoError(t, err)
	}
	// The log as the old schema holds it, read with the old columns.
	type logged struct {
		Seq  int64
		Type store.EventType
	}
	var before []logged
	rows, err := db.QueryContext(ctx, s.Dialect().Rebind(`SELECT seq, action FROM `+s.Prefix()+`events WHERE org = ? ORDER BY seq`), dialectID(d, org.ID))
	require.NoError(t, err)
	for rows.Next() {
		var l logged
		require.NoError(t, rows.Scan(&l.Seq, &l.Type))
		before = append(before, l)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())

	require.NoError(t, s.Migrate(ctx))
	applied, known, err := s.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, known, applied)

	after, err := s.Events(ctx, org.ID, 0, 0)
	require.NoError(t, err)
	var kept []logged
	for _, e := range after {
		kept = append(kept, logged{e.Seq, e.Type})
	}
	require.Equal(t, before, kept, "the audit log survives the upgrade")
	// The events written before the feed enter it, in order.
	feed, err := s.Feed(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, feed, len(after))
	for i, e := range feed {
		require.Equal(t, int64(i+1), e.Pos)
		require.Equal(t, after[i].ID, e.ID)
	}
	for _, m := range append([]store.Member{owner}, added...) {
		got, err := s.MemberByUser(ctx, org.ID, m.UserID)
		require.NoError(t, err)
		require.Equal(t, [...]any{m.ID, m.Org, m.UserID, m.Email, m.Role, m.Status, m.Kind},
			[...]any{got.ID, got.Org, got.UserID, got.Email, got.Role, got.Status, got.Kind})
		require.True(t, got.Until.IsZero(), "a member from before ends has none")
		require.Equal(t, m.Role == "owner", got.IsOwner())
	}
	km, key, err := member.Authenticate(ctx, s, secret)
	require.NoError(t, err, "the API key survives the upgrade")
	require.Equal(t, added[0].ID, km.ID)
	require.True(t, key.Expires.IsZero(), "a key from before expiry never expires")
	require.True(t, key.Perms.IsEmpty(), "and holds what its member holds")
	require.True(t, km.Can(fixture.EditProducts))

	// The migrations counted the staff (from a schema before the counter:
	// the rows above were written past it) and the pending invitations
	// already there; the expired one holds no seat.
	require.NoError(t, s.Update(ctx, org.ID, func(tx store.Tx) error {
		seats, err := tx.Seats(ctx)
		require.Equal(t, 5, seats, "the owner, three members and the open invitation")
		return err
	}))
	// The constraints hold on the new tables, and the rules still run.
	_, err = member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "u1", Email: "other@acme.io"}, Role: "editor"})
	require.ErrorIs(t, err, store.ErrAlreadyMember)
	_, err = member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "other", Email: "u2@acme.io"}, Role: "editor"})
	require.ErrorIs(t, err, store.ErrAlreadyMember)
	require.NoError(t, member.Remove(ctx, s, org.ID, owner.ID, added[0].ID))
	_, _, err = member.Authenticate(ctx, s, secret)
	require.Error(t, err, "a removed member's key stops: the cascade survives the upgrade")
	evs, err := s.Events(ctx, org.ID, int64(len(after)), 0)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, int64(len(after)+1), evs[0].Seq)
}
