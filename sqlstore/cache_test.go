package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

const maxStale = 300 * time.Millisecond

// cached returns a second store on the tables of s, on a pool of its own,
// with the request cache on: another instance of the service.
func cached(t *testing.T, d sqlstore.Dialect, s *sqlstore.Store, opts sqlstore.CacheOptions) (*sqlstore.Store, *sql.DB) {
	t.Helper()
	db := openDB(t, d)
	c, err := sqlstore.New(db, d, *s.Env(), sqlstore.Options{Prefix: s.Prefix(), Cache: &opts})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c, db
}

// warmUp waits until the cache of b answers MemberByUser for user from
// memory: its follower is fresh and the entry kept.
func warmUp(t *testing.T, b *sqlstore.Store, org store.ID, user string) {
	t.Helper()
	require.Eventually(t, func() bool {
		_, err := b.MemberByUser(context.Background(), org, user)
		require.NoError(t, err)
		misses, _ := sqlstore.CacheStats(b)
		_, err = b.MemberByUser(context.Background(), org, user)
		require.NoError(t, err)
		again, _ := sqlstore.CacheStats(b)
		return again == misses
	}, 5*time.Second, 10*time.Millisecond, "the cache answers once its follower is fresh")
}

// settle waits until the cache's bound has passed since since.
func settle(since time.Time) { time.Sleep(time.Until(since.Add(maxStale + 5*time.Millisecond))) }

// TestCacheStaleness holds the request cache to its bound: every read that
// begins MaxStale after a change committed on another instance sees it;
// a change through the cached store itself, or a read with the change's
// token, sees it at once.
func TestCacheStaleness(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			a, _ := newStore(t, d, fixture.NewEnv(fixture.NewClock(), 21))
			b, _ := cached(t, d, a, sqlstore.CacheOptions{MaxStale: maxStale})

			org, owner, err := member.CreateOrg(ctx, a, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "owner", Email: "o@acme.io"}})
			require.NoError(t, err)
			add := func(s store.Store, user, role string) store.Member {
				m, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{Role: role, NewUser: member.NewUser{UserID: user, Email: user + "@acme.io"}})
				require.NoError(t, err)
				return m
			}
			bob := add(a, "bob", "editor")

			// Warm: the second read is a hit.
			warmUp(t, b, org.ID, "bob")
			_, err = b.MemberByUser(ctx, org.ID, "carol")
			require.ErrorIs(t, err, store.ErrNotFound)
			_, err = b.MemberByUser(ctx, org.ID, "carol")
			require.ErrorIs(t, err, store.ErrNotFound, "not a member, from the cache")

			// Another instance's changes: seen by every read that begins
			// MaxStale after they committed.
			require.NoError(t, member.Remove(ctx, a, org.ID, owner.ID, bob.ID))
			add(a, "carol", "viewer")
			settle(time.Now())
			_, err = b.MemberByUser(ctx, org.ID, "bob")
			require.ErrorIs(t, err, store.ErrNotFound, "a removed member is gone after the bound")
			carol, err := b.MemberByUser(ctx, org.ID, "carol")
			require.NoError(t, err, "a new member is there after the bound")
			g, err := invite.Grant(ctx, b, org.ID, "carol")
			require.NoError(t, err)
			require.True(t, g.Can(fixture.ViewProducts))

			// Read your writes: a change through b is seen at once.
			_, err = member.ChangeRole(ctx, b, org.ID, owner.ID, carol.ID, "editor")
			require.NoError(t, err)
			m, err := b.MemberByUser(ctx, org.ID, "carol")
			require.NoError(t, err)
			require.Equal(t, "editor", m.Role)
			g, err = invite.Grant(ctx, b, org.ID, "carol")
			require.NoError(t, err)
			require.True(t, g.Can(fixture.EditProducts))

			// A token: a change on a, read at once on b.
			wctx, tok := store.Capture(ctx)
			_, err = member.Deactivate(wctx, a, org.ID, owner.ID, carol.ID)
			require.NoError(t, err)
			require.False(t, tok.IsZero())
			parsed, err := store.ParseToken(tok.String())
			require.NoError(t, err)
			g, err = invite.Grant(store.AtLeast(ctx, parsed), b, org.ID, "carol")
			require.NoError(t, err)
			require.False(t, g.Can(fixture.ViewProducts), "read at least as fresh as the token: carol is inactive")
			m, err = b.MemberByUser(store.AtLeast(ctx, parsed), org.ID, "carol")
			require.NoError(t, err)
			require.Equal(t, store.Inactive, m.Status)

			// API keys: a revoked key stops after the bound.
			dave := add(a, "dave", "editor")
			k, secret, err := member.IssueKey(ctx, a, org.ID, owner.ID, dave.ID, "ci")
			require.NoError(t, err)
			for range 2 {
				got, _, err := member.Authenticate(ctx, b, secret)
				require.NoError(t, err)
				require.Equal(t, dave.ID, got.ID)
			}
			require.NoError(t, member.RevokeKey(ctx, a, org.ID, owner.ID, k.ID))
			settle(time.Now())
			_, _, err = member.Authenticate(ctx, b, secret)
			require.Error(t, err, "a revoked key stops after the bound")
		})
	}
}

// TestCacheFollowerStuck stops the cache's follower from confirming the
// feed (its row held by another transaction): after the bound, reads go to
// the database and see its changes; with the database gone, they fail.
// Never a stale answer.
func TestCacheFollowerStuck(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			a, adb := newStore(t, d, fixture.NewEnv(fixture.NewClock(), 22))
			b, bdb := cached(t, d, a, sqlstore.CacheOptions{MaxStale: maxStale})
			org, owner, err := member.CreateOrg(ctx, a, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "owner", Email: "o@acme.io"}})
			require.NoError(t, err)
			bob, err := member.AddMember(ctx, a, org.ID, owner.ID, member.NewMember{Role: "editor", NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}})
			require.NoError(t, err)
			warmUp(t, b, org.ID, "bob")

			// The change commits, then the feed's row is held: the follower
			// cannot place the change's event.
			_, err = member.ChangeRole(ctx, a, org.ID, owner.ID, bob.ID, "viewer")
			require.NoError(t, err)
			hold, err := adb.BeginTx(ctx, nil)
			require.NoError(t, err)
			defer hold.Rollback()
			lock := `UPDATE ` + a.Prefix() + `feed SET placed = placed WHERE id = 1`
			_, err = hold.ExecContext(ctx, lock)
			require.NoError(t, err)
			settle(time.Now())
			misses, _ := sqlstore.CacheStats(b)
			m, err := b.MemberByUser(ctx, org.ID, "bob")
			require.NoError(t, err)
			require.Equal(t, "viewer", m.Role, "past the bound, unconfirmed, the read goes to the database")
			after, _ := sqlstore.CacheStats(b)
			require.Greater(t, after, misses)
			require.NoError(t, hold.Rollback())

			// The database gone: an error, not the cached member.
			require.Eventually(t, func() bool {
				m, err := b.MemberByUser(ctx, org.ID, "bob")
				return err == nil && m.Role == "viewer"
			}, 5*time.Second, 10*time.Millisecond)
			require.NoError(t, bdb.Close())
			settle(time.Now())
			_, err = b.MemberByUser(ctx, org.ID, "bob")
			require.Error(t, err, "no database, no answer")
			require.NotErrorIs(t, err, store.ErrNotFound)
		})
	}
}

// TestCacheCap keeps the cache within MaxEntries.
func TestCacheCap(t *testing.T) {
	ctx := context.Background()
	a, _ := newStore(t, sqlstore.SQLite, fixture.NewEnv(fixture.NewClock(), 23))
	b, _ := cached(t, sqlstore.SQLite, a, sqlstore.CacheOptions{MaxStale: time.Hour, MaxEntries: 5})
	org, _, err := member.CreateOrg(ctx, a, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "owner", Email: "o@acme.io"}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, _ = b.MemberByUser(ctx, org.ID, "owner")
		_, n := sqlstore.CacheStats(b)
		return n > 0
	}, 5*time.Second, 10*time.Millisecond)
	for i := range 50 {
		_, err := b.MemberByUser(ctx, org.ID, "nobody"+string(rune('a'+i%26))+string(rune('a'+i/26)))
		require.ErrorIs(t, err, store.ErrNotFound)
		_, n := sqlstore.CacheStats(b)
		require.LessOrEqual(t, n, 5)
	}
	_, n := sqlstore.CacheStats(b)
	require.Equal(t, 5, n)
}

// TestCacheUnderChurn reads a member through the cache of one instance
// while another changes its role again and again: no read that began
// MaxStale after a change returned sees a role older than that change, and
// none sees a role that was not yet being written when the read ended.
func TestCacheUnderChurn(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			a, _ := newStore(t, d, fixture.NewEnv(fixture.NewClock(), 24))
			b, _ := cached(t, d, a, sqlstore.CacheOptions{MaxStale: maxStale})
			org, owner, err := member.CreateOrg(ctx, a, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "owner", Email: "o@acme.io"}})
			require.NoError(t, err)
			const versions = 40
			for i := range versions {
				_, err := member.CreateRole(ctx, a, org.ID, owner.ID, fmt.Sprintf("r%02d", i), "Role", access.SetOf(fixture.ViewProducts))
				require.NoError(t, err)
			}
			bob, err := member.AddMember(ctx, a, org.ID, owner.ID, member.NewMember{Role: "r00", NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}})
			require.NoError(t, err)

			// began[i] and done[i]: when the change to r<i> was called and
			// returned.
			began, done := make([]time.Time, versions), make([]time.Time, versions)
			var mu sync.Mutex
			stop := make(chan struct{})
			type read struct {
				start, end time.Time
				role       int
			}
			var reads []read
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						start := time.Now()
						m, err := b.MemberByUser(ctx, org.ID, "bob")
						end := time.Now()
						if err != nil {
							t.Error(err)
							return
						}
						var i int
						fmt.Sscanf(m.Role, "r%d", &i)
						mu.Lock()
						reads = append(reads, read{start, end, i})
						mu.Unlock()
					}
				}()
			}
			for i := 1; i < versions; i++ {
				time.Sleep(20 * time.Millisecond)
				mu.Lock()
				began[i] = time.Now()
				mu.Unlock()
				_, err := member.ChangeRole(ctx, a, org.ID, owner.ID, bob.ID, fmt.Sprintf("r%02d", i))
				require.NoError(t, err)
				mu.Lock()
				done[i] = time.Now()
				mu.Unlock()
			}
			time.Sleep(maxStale + 50*time.Millisecond)
			close(stop)
			wg.Wait()

			mu.Lock()
			defer mu.Unlock()
			stale := 0
			for _, r := range reads {
				// The newest change that returned MaxStale before the read.
				floor := 0
				for i := 1; i < versions; i++ {
					if done[i].Add(maxStale).Before(r.start) {
						floor = i
					}
				}
				require.GreaterOrEqual(t, r.role, floor, "a read at %v saw r%02d, older than r%02d, which returned at %v", r.start, r.role, floor, done[floor])
				if r.role > 0 {
					require.True(t, began[r.role].Before(r.end), "a read saw r%02d before it was written", r.role)
				}
				if r.role < versions-1 && done[r.role+1].Before(r.start) {
					stale++ // within the bound
				}
			}
			t.Logf("%d reads; %d saw a role already changed (within the bound)", len(reads), stale)
			require.Equal(t, versions-1, reads[len(reads)-1].role)
		})
	}
}

// TestCacheExpiry: an entry of the request cache does not outlive its
// member's end. The cache answers from memory (no miss) and the answer is
// judged by the clock at the read: nothing committed, nothing followed.
func TestCacheExpiry(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			clock := fixture.NewClock()
			a, _ := newStore(t, d, fixture.NewEnv(clock, 23))
			b, _ := cached(t, d, a, sqlstore.CacheOptions{MaxStale: time.Hour})

			org, owner, err := member.CreateOrg(ctx, a, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "owner", Email: "o@acme.io"}})
			require.NoError(t, err)
			agent, err := member.AddMember(ctx, a, org.ID, owner.ID, member.NewMember{Role: "editor", Until: clock.Now().Add(time.Hour),
				NewUser: member.NewUser{UserID: "agent", Email: "agent@acme.io"}})
			require.NoError(t, err)

			warmUp(t, b, org.ID, "agent")
			for range 2 { // the second of each is a hit
				m, err := b.Member(ctx, org.ID, agent.ID)
				require.NoError(t, err)
				require.True(t, m.Can(fixture.ViewProducts))
				g, err := b.Principal(ctx, org.ID, "agent")
				require.NoError(t, err)
				require.True(t, g.Can(fixture.ViewProducts))
			}
			misses, _ := sqlstore.CacheStats(b)

			clock.Advance(time.Hour)
			m, err := b.MemberByUser(ctx, org.ID, "agent")
			require.NoError(t, err)
			require.False(t, m.Can(fixture.ViewProducts), "MemberByUser from the cache, past the end")
			require.Equal(t, access.Ended, m.Explain(fixture.ViewProducts).Reason)
			m, err = b.Member(ctx, org.ID, agent.ID)
			require.NoError(t, err)
			require.False(t, m.Can(fixture.ViewProducts), "Member from the cache, past the end")
			g, err := invite.Grant(ctx, b, org.ID, "agent")
			require.NoError(t, err)
			require.False(t, g.Can(fixture.ViewProducts), "Principal from the cache, past the end")
			again, _ := sqlstore.CacheStats(b)
			require.Equal(t, misses, again, "answered from the cache")
		})
	}
}
