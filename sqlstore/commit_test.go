package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// TestCommitInFlight ends contexts at random moments around the end of a
// unit of work. A caller that sees an error must be able to trust that
// nothing committed, or be told that the outcome is unknown: never a plain
// failure for a change that committed.
func TestCommitInFlight(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.Postgres, sqlstore.MySQL, sqlstore.SQLite} {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			s, _ := newStore(t, d, fixture.NewEnv(fixture.NewClock(), 7))
			org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
			require.NoError(t, err)

			// How long a rename takes here, to end contexts around it.
			var took []time.Duration
			for i := range 20 {
				start := time.Now()
				_, err := member.RenameOrg(ctx, s, org.ID, owner.ID, fmt.Sprintf("warm %d", i))
				require.NoError(t, err)
				took = append(took, time.Since(start))
			}
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			typical := took[len(took)/2]

			var lies, refused, unknown, ok int
			for i := range 400 {
				name := fmt.Sprintf("name %d", i)
				c, cancel := context.WithTimeout(ctx, time.Duration(rand.Int64N(int64(2*typical)+1)))
				_, err := member.RenameOrg(c, s, org.ID, owner.ID, name)
				cancel()
				o, rerr := s.Org(ctx, org.ID)
				require.NoError(t, rerr)
				committed := o.Name == name
				switch {
				case err == nil:
					require.True(t, committed, "a success committed")
					ok++
				case errors.Is(err, store.ErrOutcomeUnknown):
					unknown++
				case committed:
					lies++
					t.Logf("committed, yet answered %v", err)
				default:
					refused++
				}
			}
			t.Logf("%s: typical %v; %d committed, %d refused having written nothing, %d unknown, %d errors for a commit",
				d, typical, ok, refused, unknown, lies)
			require.Zero(t, lies, "an error for a change that committed")
			require.NotZero(t, refused, "contexts ended before the commit, as the test means them to")
		})
	}
}
