package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// TestDeadlineAcrossStores is storetest's DeadlineWhileBusy across two
// stores on one database, each with a pool of its own, as two processes
// sharing it have: while one holds the organisation, the other's rule with
// a 300 ms deadline returns the deadline's error promptly, having written
// nothing. On SQLite the second waits for the database's write lock, not
// for the first store's writer channel.
func TestDeadlineAcrossStores(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			f := newFixture(t, d)
			other, err := sqlstore.New(openDB(t, d), d, fixture.NewEnv(f.clock, 2), sqlstore.Options{Prefix: f.prefix})
			require.NoError(t, err)
			ctx := context.Background()
			before := f.snapshot(t)
			held, release := make(chan struct{}), make(chan struct{})
			done := make(chan error, 1)
			go func() {
				done <- f.s.Update(ctx, f.org.ID, func(tx store.Tx) error {
					close(held)
					select {
					case <-release:
					case <-time.After(10 * time.Second):
					}
					return nil
				})
			}()
			<-held
			const deadline = 300 * time.Millisecond
			c, cancel := context.WithTimeout(ctx, deadline)
			defer cancel()
			start := time.Now()
			_, err = member.ChangeRole(c, other, f.org.ID, f.owner.ID, f.editor.ID, "viewer")
			waited := time.Since(start)
			close(release)
			require.NoError(t, <-done)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			// Promptly: the deadline plus a margin for a loaded machine,
			// far below the 10 s the first unit of work could hold the
			// organisation (and SQLiteDSN's busy timeout).
			require.Less(t, waited, deadline+time.Second, "waited %v past a %v deadline", waited, deadline)
			require.Equal(t, before, f.snapshot(t), "nothing was written")
			// The other store works once the organisation is free.
			_, err = member.ChangeRole(ctx, other, f.org.ID, f.owner.ID, f.editor.ID, "viewer")
			require.NoError(t, err, fmt.Sprint(d))
		})
	}
}
