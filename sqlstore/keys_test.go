package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// countTracer counts the statements PostgreSQL receives through pgx.
type countTracer struct {
	mu sync.Mutex
	n  int
}

func (c *countTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return ctx
}

func (c *countTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *countTracer) count(fn func()) int {
	c.mu.Lock()
	c.n = 0
	c.mu.Unlock()
	fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestAuthenticateOneStatement counts the statements member.Authenticate
// sends to PostgreSQL: one, a JOIN of the key with its member and the
// member's custom role, for a member of the policy's role, of a custom role,
// and for a service key.
func TestAuthenticateOneStatement(t *testing.T) {
	requireDB(t, sqlstore.Postgres)
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(dsns[sqlstore.Postgres])
	require.NoError(t, err)
	tr := &countTracer{}
	cfg.Tracer = tr
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { db.Close() })
	s := storeOn(t, db, sqlstore.Postgres, fixture.NewEnv(fixture.NewClock(), 42))
	org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	require.NoError(t, err)
	ed, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{Role: "editor", NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}})
	require.NoError(t, err)
	_, err = member.CreateRole(ctx, s, org.ID, owner.ID, "ops", "Ops", access.SetOf(fixture.ViewProducts, fixture.DeleteProducts))
	require.NoError(t, err)
	ops, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{Role: "ops", NewUser: member.NewUser{UserID: "cy", Email: "cy@acme.io"}})
	require.NoError(t, err)
	_, edSecret, err := member.IssueKey(ctx, s, org.ID, owner.ID, ed.ID, "ed")
	require.NoError(t, err)
	_, opsSecret, err := member.IssueKeyWith(ctx, s, org.ID, owner.ID, ops.ID, member.KeySpec{Name: "ops", Perms: access.SetOf(fixture.DeleteProducts)})
	require.NoError(t, err)
	_, svcSecret, err := member.IssueServiceKey(ctx, s, org.ID, owner.ID, member.KeySpec{Name: "svc", Perms: access.SetOf(fixture.ViewProducts)})
	require.NoError(t, err)
	for _, c := range []struct {
		name, secret string
		perm         access.Permission
	}{{"policy role", edSecret, fixture.EditProducts}, {"custom role", opsSecret, fixture.DeleteProducts}, {"service key", svcSecret, fixture.ViewProducts}} {
		var m store.Member
		n := tr.count(func() {
			m, _, err = member.Authenticate(ctx, s, c.secret)
		})
		require.NoError(t, err, c.name)
		require.True(t, m.Can(c.perm), c.name)
		require.Equal(t, 1, n, "%s: Authenticate sends one statement", c.name)
	}
	// For comparison: the same read through the core contract, KeyByHash
	// then Member, is two statements, and three for a custom role's.
	n := tr.count(func() {
		_, _, err = member.Authenticate(ctx, struct{ store.Store }{s}, opsSecret)
	})
	require.NoError(t, err)
	require.Equal(t, 3, n)
}

// BenchmarkAuthenticate authenticates API keys beside MemberByUser, on
// memstore, SQLite, PostgreSQL and MySQL in one run: 1,000 members of one
// organisation, each with a key, 8 clients.
//
//	go test ./sqlstore -run '^$' -bench Authenticate -benchmem
func BenchmarkAuthenticate(b *testing.B) {
	const n = 1000
	for _, d := range []string{"memstore", "sqlite", "postgres", "mysql"} {
		b.Run(d, func(b *testing.B) {
			ctx := context.Background()
			env := fixture.NewEnv(fixture.NewClock(), 11)
			var s store.Store
			switch d {
			case "memstore":
				ms, err := memstore.New(env)
				if err != nil {
					b.Fatal(err)
				}
				s = ms
			default:
				dl := map[string]sqlstore.Dialect{"sqlite": sqlstore.SQLite, "postgres": sqlstore.Postgres, "mysql": sqlstore.MySQL}[d]
				s, _ = newStore(b, dl, env)
			}
			org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "owner", Email: "owner@acme.io"}})
			if err != nil {
				b.Fatal(err)
			}
			users := make([]string, n)
			secrets := make([]string, n)
			for i := range n {
				users[i] = fmt.Sprint("u", i)
				m, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{Role: "editor",
					NewUser: member.NewUser{UserID: users[i], Email: users[i] + "@acme.io"}})
				if err != nil {
					b.Fatal(err)
				}
				if _, secrets[i], err = member.IssueKey(ctx, s, org.ID, owner.ID, m.ID, "k"); err != nil {
					b.Fatal(err)
				}
			}
			byUser := func(i int) error {
				m, err := s.MemberByUser(ctx, org.ID, users[i%n])
				if err == nil && !m.Can(fixture.EditProducts) {
					err = fmt.Errorf("an editor cannot edit")
				}
				return err
			}
			byKey := func(i int) error {
				m, _, err := member.Authenticate(ctx, s, secrets[i%n])
				if err == nil && !m.Can(fixture.EditProducts) {
					err = fmt.Errorf("an editor's key cannot edit")
				}
				return err
			}
			warm(b, 50, func(c, r int) error { return byUser(c*101 + r) }, func(c, r int) error { return byKey(c*101 + r) })
			for _, path := range []struct {
				name string
				fn   func(int) error
			}{{"MemberByUser", byUser}, {"Authenticate", byKey}} {
				b.Run(path.name, func(b *testing.B) {
					parallel(b, func(c int, pb *testing.PB) {
						for i := c * 7919; pb.Next(); i++ {
							if err := path.fn(i); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			}
		})
	}
}

// TestCacheKeys holds the request cache's answers about API keys to its
// bound: a key's member demoted on another instance, a key rotated there
// with no overlap, a service key revoked there; each is seen by every
// Authenticate that begins MaxStale after it.
func TestCacheKeys(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			requireDB(t, d)
			ctx := context.Background()
			a, _ := newStore(t, d, fixture.NewEnv(fixture.NewClock(), 23))
			b, _ := cached(t, d, a, sqlstore.CacheOptions{MaxStale: maxStale})
			org, owner, err := member.CreateOrg(ctx, a, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "owner", Email: "o@acme.io"}})
			require.NoError(t, err)
			bob, err := member.AddMember(ctx, a, org.ID, owner.ID, member.NewMember{Role: "editor", NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}})
			require.NoError(t, err)
			k, secret, err := member.IssueKeyWith(ctx, a, org.ID, owner.ID, bob.ID, member.KeySpec{Name: "ci", Perms: access.SetOf(fixture.ViewProducts, fixture.EditProducts)})
			require.NoError(t, err)
			svc, ssecret, err := member.IssueServiceKey(ctx, a, org.ID, owner.ID, member.KeySpec{Name: "svc", Perms: access.SetOf(fixture.ViewProducts)})
			require.NoError(t, err)
			warmUp(t, b, org.ID, "bob")
			for range 2 {
				m, _, err := member.Authenticate(ctx, b, secret)
				require.NoError(t, err)
				require.True(t, m.Can(fixture.EditProducts))
				_, _, err = member.Authenticate(ctx, b, ssecret)
				require.NoError(t, err)
			}

			_, err = member.ChangeRole(ctx, a, org.ID, owner.ID, bob.ID, "viewer")
			require.NoError(t, err)
			settle(time.Now())
			m, _, err := member.Authenticate(ctx, b, secret)
			require.NoError(t, err)
			require.False(t, m.Can(fixture.EditProducts), "the demotion narrows the key after the bound")
			require.True(t, m.Can(fixture.ViewProducts))

			_, next, err := member.RotateKey(ctx, a, org.ID, owner.ID, k.ID, 0)
			require.NoError(t, err)
			require.NoError(t, member.RevokeKey(ctx, a, org.ID, owner.ID, svc.ID))
			settle(time.Now())
			_, _, err = member.Authenticate(ctx, b, secret)
			require.ErrorIs(t, err, store.ErrNotFound, "the rotated-out secret stops after the bound")
			_, _, err = member.Authenticate(ctx, b, ssecret)
			require.ErrorIs(t, err, store.ErrNotFound, "the revoked service key stops after the bound")
			_, _, err = member.Authenticate(ctx, b, next)
			require.NoError(t, err)
		})
	}
}
