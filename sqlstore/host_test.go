package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// otherAPI is a host's transaction of "another API": a *sql.Tx behind the
// three methods of sqlstore.HostTx, which the store cannot tell from a
// *sql.Tx, so that it sends every statement through them, unprepared, as
// it does to pgx's adapter.
type otherAPI struct {
	tx    *sql.Tx
	calls int
}

func (o *otherAPI) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	o.calls++
	return o.tx.ExecContext(ctx, q, args...)
}

func (o *otherAPI) QueryContext(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	o.calls++
	rows, err := o.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (o *otherAPI) QueryRowContext(ctx context.Context, q string, args ...any) sqlstore.Row {
	o.calls++
	return o.tx.QueryRowContext(ctx, q, args...)
}

// TestInHostTx: the rules in a host's transaction reached only through
// sqlstore.HostTx, on every dialect: they run there (every statement goes
// through it), see their own changes, map a constraint's refusal to its
// sentinel, and roll back or commit with the host; AdvanceHostTx moves a
// cursor with the host's commit.
func TestInHostTx(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			f := newFixture(t, d)
			ctx := context.Background()
			before := f.snapshot(t)
			run := func() *sql.Tx {
				tx, err := f.db.BeginTx(ctx, nil)
				require.NoError(t, err)
				h := &otherAPI{tx: tx}
				in := f.s.InHostTx(h)
				bob, err := member.AddMember(ctx, in, f.org.ID, f.owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}, Role: "viewer"})
				require.NoError(t, err)
				_, err = member.ChangeRole(ctx, in, f.org.ID, f.owner.ID, bob.ID, "editor")
				require.NoError(t, err)
				_, _, err = invite.Send(ctx, in, f.org.ID, f.owner.ID, invite.NewInvitation{Email: "cy@acme.io", Role: "viewer"})
				require.NoError(t, err)
				ms, _, err := in.Members(ctx, f.org.ID, store.Filter{}, store.Page{Limit: 10})
				require.NoError(t, err)
				require.Len(t, ms, 3, "the bound store reads its own changes")
				clone := bob
				clone.ID, clone.Email = f.clockID(t), "twin@acme.io"
				err = in.Update(ctx, f.org.ID, func(tx store.Tx) error { return tx.PutMember(ctx, clone) })
				require.ErrorIs(t, err, store.ErrAlreadyMember, "the constraint's name comes through")
				require.NoError(t, f.s.AdvanceHostTx(ctx, h, "host", 2))
				require.Positive(t, h.calls)
				calls := h.calls
				_, err = in.MemberByUser(ctx, f.org.ID, "bob")
				require.NoError(t, err)
				require.Greater(t, h.calls, calls, "reads go through the host's transaction too")
				return tx
			}
			require.NoError(t, run().Rollback())
			require.Equal(t, before, f.snapshot(t), "the host's rollback leaves nothing")
			pos, err := f.s.Cursor(ctx, "host")
			require.NoError(t, err)
			require.Zero(t, pos)

			require.NoError(t, run().Commit())
			after := f.snapshot(t)
			require.Contains(t, after, "bob editor")
			require.Contains(t, after, "inv cy@acme.io viewer")
			pos, err = f.s.Cursor(ctx, "host")
			require.NoError(t, err)
			require.EqualValues(t, 2, pos)

			require.Same(t, f.s, f.s.InHostTx(nil), "no transaction: the store itself")
			require.ErrorIs(t, f.s.AdvanceHostTx(ctx, nil, "host", 3), store.ErrInvalid)
			require.ErrorIs(t, f.s.AdvanceTx(ctx, nil, "host", 3), store.ErrInvalid)
		})
	}
}
