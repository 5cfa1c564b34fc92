package memstore_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
	"github.com/rosterhq/roster/store/storetest"
)

// Run with:
//
//	go test ./memstore -run '^$' -bench . -benchmem

type population struct {
	s     *memstore.Store
	orgs  []store.ID
	users []string // users[i] is a member of orgs[i/perOrg]
}

const perOrg = 10

// populate builds n members in n/perOrg organisations through the rules.
func populate(b *testing.B, n int) *population {
	b.Helper()
	ctx := context.Background()
	s, err := memstore.New(fixture.NewEnv(fixture.NewClock(), 1))
	if err != nil {
		b.Fatal(err)
	}
	p := &population{s: s}
	for o := range n / perOrg {
		org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "org", Owner: member.NewUser{UserID: fmt.Sprintf("u%d-0", o), Email: fmt.Sprintf("u0@o%d.io", o)}})
		if err != nil {
			b.Fatal(err)
		}
		p.orgs = append(p.orgs, org.ID)
		p.users = append(p.users, owner.UserID)
		for i := 1; i < perOrg; i++ {
			m, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{
				NewUser: member.NewUser{UserID: fmt.Sprintf("u%d-%d", o, i), Email: fmt.Sprintf("u%d@o%d.io", i, o)},
				Role:    []string{"admin", "manager", "editor", "viewer"}[i%4]})
			if err != nil {
				b.Fatal(err)
			}
			p.users = append(p.users, m.UserID)
		}
	}
	return p
}

// BenchmarkLookupCan is the request path: look the member up by
// (organisation, user) and check a permission, over populations of 1,000 to
// 1,000,000 members. Two traffic patterns:
//
//   - hot: 1,024 distinct members, spread over the whole population, asked
//     for again and again, as the active users of a service are. This shows
//     the cost of the lookup itself, which does not grow with the population.
//   - cold: every request asks for a member chosen at random among all of
//     them, so that at a million members nearly every lookup misses the CPU
//     caches. This shows what memory latency adds, which no structure avoids.
func BenchmarkLookupCan(b *testing.B) {
	type request struct {
		org  store.ID
		user string
	}
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		p := populate(b, n)
		ctx := context.Background()
		for _, pattern := range []string{"hot", "cold"} {
			distinct := 1024
			if pattern == "cold" {
				distinct = 1 << 20
			}
			reqs := make([]request, distinct)
			x := uint64(12345)
			for i := range reqs {
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
				k := int(x % uint64(len(p.users)))
				// A fresh copy, as a request's user ID is (parsed from its
				// session), and as BenchmarkLookupFloor's keys are.
				reqs[i] = request{p.orgs[k/perOrg], strings.Clone(p.users[k])}
			}
			// The member, then its Can: what a handler that needs the
			// record (its ID, name, profile) does.
			b.Run(fmt.Sprintf("members=%d/%s/member", n, pattern), func(b *testing.B) {
				allowed := 0
				for i := 0; b.Loop(); i++ {
					r := &reqs[i&(distinct-1)]
					m, err := p.s.MemberByUser(ctx, r.org, r.user)
					if err != nil {
						b.Fatal(err)
					}
					if m.Can(fixture.EditProducts) {
						allowed++
					}
				}
				if allowed == 0 {
					b.Fatal("no member could edit products")
				}
			})
			// invite.Grant, then Can: the one-line check of a handler that
			// needs only the answer (and which also admits partners).
			b.Run(fmt.Sprintf("members=%d/%s/grant", n, pattern), func(b *testing.B) {
				allowed := 0
				for i := 0; b.Loop(); i++ {
					r := &reqs[i&(distinct-1)]
					g, err := invite.Grant(ctx, p.s, r.org, r.user)
					if err != nil {
						b.Fatal(err)
					}
					if g.Can(fixture.EditProducts) {
						allowed++
					}
				}
				if allowed == 0 {
					b.Fatal("no member could edit products")
				}
			})
		}
	}
}

// BenchmarkLookupFloor is the least any such lookup can cost: a bare Go map
// from (organisation, user) to a permission set, and a bit test, without
// locks or copies, over the same populations and traffic patterns as
// BenchmarkLookupCan.
func BenchmarkLookupFloor(b *testing.B) {
	type key struct {
		org  store.ID
		user string
	}
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		m := make(map[key]*access.Set, n)
		keys := make([]key, n)
		for i := range keys {
			var org store.ID
			org[0], org[1], org[2], org[15] = byte(i/perOrg), byte(i/perOrg>>8), byte(i/perOrg>>16), 7
			keys[i] = key{org, fmt.Sprintf("u%d-%d", i/perOrg, i%perOrg)}
			set := access.SetOf(fixture.EditProducts)
			m[keys[i]] = &set
		}
		for _, pattern := range []string{"hot", "cold"} {
			distinct := 1024
			if pattern == "cold" {
				distinct = 1 << 20
			}
			reqs := make([]key, distinct)
			x := uint64(12345)
			for i := range reqs {
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
				reqs[i] = keys[int(x%uint64(n))]
			}
			b.Run(fmt.Sprintf("members=%d/%s", n, pattern), func(b *testing.B) {
				allowed := 0
				for i := 0; b.Loop(); i++ {
					if s := m[reqs[i&(distinct-1)]]; s != nil && s.Has(fixture.EditProducts) {
						allowed++
					}
				}
				if allowed == 0 {
					b.Fatal("nothing found")
				}
			})
		}
	}
}

// TestMemoryPerMember reports the heap each member costs in memstore,
// measured over 100,000 members.
func TestMemoryPerMember(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 100,000 members")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := populate(&testing.B{}, 100_000)
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / float64(len(p.users))
	t.Logf("memstore: %.0f bytes of heap per member (100,000 members in 10,000 organisations, audit log included)", per)
	if per > 8192 {
		t.Fatalf("%.0f bytes per member", per)
	}
	runtime.KeepAlive(p)
}

// lifecycle is an organisation with a member of each role, for the write
// benchmarks.
func lifecycle(b *testing.B) (*memstore.Store, store.Org, store.Member, store.Member) {
	b.Helper()
	ctx := context.Background()
	s, err := memstore.New(fixture.NewEnv(fixture.NewClock(), 2))
	if err != nil {
		b.Fatal(err)
	}
	org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "owner", Email: "owner@acme.io"}})
	if err != nil {
		b.Fatal(err)
	}
	m, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "m", Email: "m@acme.io"}, Role: "editor"})
	if err != nil {
		b.Fatal(err)
	}
	return s, org, owner, m
}

func BenchmarkWrite(b *testing.B) {
	ctx := context.Background()
	b.Run("ChangeRole", func(b *testing.B) {
		s, org, owner, m := lifecycle(b)
		roles := [2]string{"viewer", "editor"}
		for i := 0; b.Loop(); i++ {
			if _, err := member.ChangeRole(ctx, s, org.ID, owner.ID, m.ID, roles[i&1]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SetPermissions", func(b *testing.B) {
		s, org, owner, m := lifecycle(b)
		sets := [2]access.Set{access.SetOf(fixture.ReadAudit), {}}
		for i := 0; b.Loop(); i++ {
			if _, err := member.SetPermissions(ctx, s, org.ID, owner.ID, m.ID, sets[i&1], access.Set{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DeactivateReactivate", func(b *testing.B) {
		s, org, owner, m := lifecycle(b)
		for b.Loop() {
			if _, err := member.Deactivate(ctx, s, org.ID, owner.ID, m.ID); err != nil {
				b.Fatal(err)
			}
			if _, err := member.Reactivate(ctx, s, org.ID, owner.ID, m.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AddRemove", func(b *testing.B) {
		s, org, owner, _ := lifecycle(b)
		for i := 0; b.Loop(); i++ {
			m, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{
				NewUser: member.NewUser{UserID: fmt.Sprint("n", i), Email: fmt.Sprintf("n%d@acme.io", i)}, Role: "viewer"})
			if err != nil {
				b.Fatal(err)
			}
			if err := member.Remove(ctx, s, org.ID, owner.ID, m.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("TransferOwnership", func(b *testing.B) {
		s, org, owner, m := lifecycle(b)
		pair := [2]store.Member{owner, m}
		for i := 0; b.Loop(); i++ {
			if err := member.TransferOwnership(ctx, s, org.ID, pair[i&1].ID, pair[(i+1)&1].ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("IssueRevokeKey", func(b *testing.B) {
		s, org, owner, m := lifecycle(b)
		for b.Loop() {
			k, _, err := member.IssueKey(ctx, s, org.ID, owner.ID, m.ID, "ci")
			if err != nil {
				b.Fatal(err)
			}
			if err := member.RevokeKey(ctx, s, org.ID, owner.ID, k.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Refused", func(b *testing.B) {
		s, org, owner, m := lifecycle(b)
		for b.Loop() {
			if _, err := member.ChangeRole(ctx, s, org.ID, m.ID, owner.ID, "viewer"); err == nil {
				b.Fatal("an editor changed the owner's role")
			}
		}
	})
}

// BenchmarkInvite measures sending an invitation, and accepting one.
func BenchmarkInvite(b *testing.B) {
	ctx := context.Background()
	b.Run("Send", func(b *testing.B) {
		s, org, owner, _ := lifecycle(b)
		for i := 0; b.Loop(); i++ {
			if _, _, err := invite.Send(ctx, s, org.ID, owner.ID, invite.NewInvitation{Email: fmt.Sprintf("i%d@x.io", i), Role: "viewer"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Accept", func(b *testing.B) {
		s, org, owner, _ := lifecycle(b)
		tokens := make([]string, b.N)
		for i := range tokens {
			var err error
			if _, tokens[i], err = invite.Send(ctx, s, org.ID, owner.ID, invite.NewInvitation{Email: fmt.Sprintf("i%d@x.io", i), Role: "viewer"}); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		for i := range b.N {
			if _, err := invite.Accept(ctx, s, tokens[i], member.NewUser{UserID: fmt.Sprint("i", i), Email: fmt.Sprintf("i%d@x.io", i)}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPartnerGrant is the request path of a partner organisation's
// member: invite.Grant finds no membership, then the partnership, and the
// check is the same one bit test.
func BenchmarkPartnerGrant(b *testing.B) {
	ctx := context.Background()
	s, org, owner, _ := lifecycle(b)
	retail, rOwner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Retail", Owner: member.NewUser{UserID: "rex", Email: "rex@retail.io"}})
	if err != nil {
		b.Fatal(err)
	}
	_, tok, err := invite.InvitePartner(ctx, s, org.ID, owner.ID, invite.NewPartner{Email: "rex@retail.io", Level: "editor", Scopes: access.MustScopes("market:de")})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := invite.AcceptPartner(ctx, s, tok, retail.ID, rOwner.ID); err != nil {
		b.Fatal(err)
	}
	allowed := 0
	for b.Loop() {
		g, err := invite.Grant(ctx, s, org.ID, "rex")
		if err != nil {
			b.Fatal(err)
		}
		if g.CanIn(fixture.EditProducts, "market:de") {
			allowed++
		}
	}
	if allowed == 0 {
		b.Fatal("the partner could not edit")
	}
}

// BenchmarkOrgSize measures the writes of an organisation's life, and one
// page of its members, in one organisation of 10, 10,000 and 100,000
// members, with pending invitations for a tenth as many, and a seat limit,
// so that every send and accept counts the seats. Their cost must not grow with the organisation. The three
// organisations, each in a store of its own, are seeded first, through the
// rules, and each operation is then measured in the three in turn.
func BenchmarkOrgSize(b *testing.B) {
	ctx := context.Background()
	var sizes []storetest.OrgSize
	for _, n := range []int{10, 10_000, 100_000} {
		s, err := memstore.New(fixture.NewEnv(fixture.NewClock(), 11))
		if err != nil {
			b.Fatal(err)
		}
		org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "big", Owner: member.NewUser{UserID: "owner", Email: "owner@big.io"}, SeatLimit: member.MaxSeatLimit})
		if err != nil {
			b.Fatal(err)
		}
		c := storetest.OrgSize{Members: n, S: s, Org: org.ID, Owner: owner.ID}
		seeding := time.Now()
		for i := range n - 1 {
			m, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{
				NewUser: member.NewUser{UserID: fmt.Sprint("b", i), Email: fmt.Sprintf("b%d@big.io", i)}, Role: "editor"})
			if err != nil {
				b.Fatal(err)
			}
			if i == n/2 {
				c.Target = m.ID
			}
		}
		for i := range max(n/10, 1) {
			if _, _, err := invite.Send(ctx, s, org.ID, owner.ID, invite.NewInvitation{Email: fmt.Sprintf("p%d@big.io", i), Role: "viewer"}); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("seeded %d members and %d pending invitations through the rules in %v", n, max(n/10, 1), time.Since(seeding).Round(time.Millisecond))
		sizes = append(sizes, c)
	}
	storetest.OrgSizeOps(b, sizes)
}
