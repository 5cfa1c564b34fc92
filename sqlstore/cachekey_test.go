package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// TestCacheKeyStale: a key the request cache holds, read under a policy
// that renamed one of its permissions, comes with its stale names, and
// each read gets its own copy of them.
func TestCacheKeyStale(t *testing.T) {
	d := sqlstore.SQLite
	requireDB(t, d)
	ctx := context.Background()
	a, _ := newStore(t, d, fixture.NewEnv(fixture.NewClock(), 29))
	org, owner, err := member.CreateOrg(ctx, a, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "owner", Email: "o@acme.io"}})
	require.NoError(t, err)
	k, _, err := member.IssueServiceKey(ctx, a, org.ID, owner.ID, member.KeySpec{Name: "sync", Perms: access.SetOf(fixture.ViewProducts, fixture.EditProducts)})
	require.NoError(t, err)

	spec := a.Env().Policy.Spec()
	for i := range spec.Permissions {
		if spec.Permissions[i].Name == "products.edit" {
			spec.Permissions[i].Name, spec.Permissions[i].Aliases = "products.write", []string{"products.edit"}
		}
	}
	p2, err := access.NewPolicy(spec)
	require.NoError(t, err)
	env := *a.Env()
	env.Policy = p2
	b, err := sqlstore.New(openDB(t, d), d, env, sqlstore.Options{Prefix: a.Prefix(), Cache: &sqlstore.CacheOptions{MaxStale: time.Hour}})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })

	want := []store.StaleName{{Field: store.FieldPerms, Name: "products.edit"}}
	require.Eventually(t, func() bool {
		got, err := b.KeyByHash(ctx, k.Hash)
		require.NoError(t, err)
		require.Equal(t, want, got.Stale)
		misses, _ := sqlstore.CacheStats(b)
		_, err = b.KeyByHash(ctx, k.Hash)
		require.NoError(t, err)
		again, _ := sqlstore.CacheStats(b)
		return again == misses
	}, 5*time.Second, 10*time.Millisecond, "the cache answers once its follower is fresh")
	misses, _ := sqlstore.CacheStats(b)
	got, err := b.KeyByHash(ctx, k.Hash)
	require.NoError(t, err)
	got.Stale[0].Name = "zzz"
	got, err = b.KeyByHash(ctx, k.Hash)
	require.NoError(t, err)
	require.Equal(t, want, got.Stale, "a cached key's Stale aliases the cache's entry")
	again, _ := sqlstore.CacheStats(b)
	require.Equal(t, misses, again, "answered from the cache")
}
