package memstore

import (
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rosterhq/roster/store"
	"pgregory.net/rapid"
)

// TestIndexChains drives one shard of the request index with hashes forced
// into a few values, so that most pairs collide and share chains, against a
// plain map: every pair put is found with its own member, every pair
// forgotten or never put is not, whatever the order of puts and deletes.
func TestIndexChains(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sh := &indexShard{m: make(map[uint64]*indexed)}
		orgs := []ID{{1}, {2}}
		users := []string{"", "a", "b", strings.Repeat("x", maxShort), strings.Repeat("x", maxShort+1), strings.Repeat("y", 100)}
		type pair struct {
			org  ID
			user string
		}
		hashOf := func(p pair) uint64 { return uint64(len(p.user)+int(p.org[0])) % 3 }
		model := map[pair]*store.Member{}
		for i := range rapid.IntRange(1, 60).Draw(t, "steps") {
			p := pair{orgs[rapid.IntRange(0, len(orgs)-1).Draw(t, "org")], users[rapid.IntRange(0, len(users)-1).Draw(t, "user")]}
			var m *store.Member
			if rapid.Bool().Draw(t, "put") {
				m = &store.Member{Org: p.org, UserID: p.user, Name: strconv.Itoa(i)}
				model[p] = m
			} else {
				delete(model, p)
			}
			sh.put(hashOf(p), p.org, new(atomic.Bool), p.user, m)
			for _, o := range orgs {
				for _, u := range users {
					q := pair{o, u}
					e := sh.find(hashOf(q), o, u)
					ok := e != nil
					want := model[q]
					switch {
					case want == nil && ok:
						t.Fatalf("%v %q: found after it was forgotten", o, u)
					case want != nil && !ok:
						t.Fatalf("%v %q: not found", o, u)
					case want != nil && (e.m.Name != want.Name || e.grant != want.Grant()):
						t.Fatalf("%v %q: found another member's entry", o, u)
					}
				}
			}
		}
		n := 0
		for _, e := range sh.m {
			for ; e != nil; e = e.next {
				n++
			}
		}
		if n != len(model) {
			t.Fatalf("%d entries for %d members", n, len(model))
		}
	})
}

// TestIndexLongUserIDs looks members up through the store by user IDs on
// both sides of the inline limit.
func TestIndexLongUserIDs(t *testing.T) {
	x := newUserIndex()
	org := ID{9}
	users := map[string]bool{}
	members := map[string]*store.Member{}
	for _, n := range []int{1, maxShort - 1, maxShort, maxShort + 1, 300} {
		u := strings.Repeat("u", n)
		users[u] = true
		members[u] = &store.Member{Org: org, UserID: u}
	}
	x.apply(org, new(atomic.Bool), users, members)
	for u, m := range members {
		if e := x.get(org, u); e == nil || e.m.UserID != m.UserID {
			t.Fatalf("user of %d bytes: not found", len(u))
		}
		if x.get(ID{8}, u) != nil {
			t.Fatalf("user of %d bytes: found in another organisation", len(u))
		}
		if x.get(org, u+"v") != nil {
			t.Fatalf("user of %d bytes: a longer ID found it", len(u))
		}
		if x.get(org, u[1:]) != nil && len(u) != maxShort+1 && len(u) != maxShort {
			t.Fatalf("user of %d bytes: a shorter ID found it", len(u))
		}
	}
	x.apply(org, new(atomic.Bool), users, map[string]*store.Member{})
	for u := range members {
		if x.get(org, u) != nil {
			t.Fatalf("user of %d bytes: found after removal", len(u))
		}
	}
}
