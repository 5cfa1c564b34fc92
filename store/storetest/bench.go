package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// benchUsers numbers the users OrgSizeOps makes, across every store of a
// run, so that two stores on one database never share a user.
var benchUsers atomic.Int64

// An OrgSize is one organisation that OrgSizeOps works in: Members
// members in S, Owner its owner, Target a member other than the owner. It
// must have editors, and room in its seat limit for every invitation and
// member the benchmark makes.
type OrgSize struct {
	Members            int
	S                  store.Store
	Org, Owner, Target store.ID
}

// OrgSizeOps runs a backend's BenchmarkOrgSize operations as
// sub-benchmarks, each in every organisation of sizes in turn
// (<op>/members=<n>): Page and PageDeep, pages of 3 editors, first, while
// each organisation has the members it was seeded with (the writes after
// them add thousands: at 10, PostgreSQL's Page took 0.8 ms after them,
// 0.2 ms before); then Send, Accept, ChangeRole (of the target) and Remove.
// The sizes of one operation are measured one after the other, close in
// time, so that a machine's changing load weighs on them alike.
func OrgSizeOps(b *testing.B, sizes []OrgSize) {
	ops := []struct {
		name string
		fn   func(b *testing.B, c OrgSize)
	}{{"Page", benchPage}, {"PageDeep", benchPageDeep}, {"Send", benchSend}, {"Accept", benchAccept}, {"ChangeRole", benchChangeRole}, {"Remove", benchRemove}}
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			for _, c := range sizes {
				b.Run(fmt.Sprintf("members=%d", c.Members), func(b *testing.B) { op.fn(b, c) })
			}
		})
	}
}

func benchUser() member.NewUser {
	i := benchUsers.Add(1)
	return member.NewUser{UserID: fmt.Sprint("n", i), Email: fmt.Sprintf("n%d@big.io", i)}
}

func benchInvite(b *testing.B, c OrgSize, u member.NewUser) string {
	_, tok, err := invite.Send(context.Background(), c.S, c.Org, c.Owner, invite.NewInvitation{Email: u.Email, Role: "viewer"})
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

func benchSend(b *testing.B, c OrgSize) {
	for b.Loop() {
		benchInvite(b, c, benchUser())
	}
}

func benchAccept(b *testing.B, c OrgSize) {
	users := make([]member.NewUser, b.N)
	tokens := make([]string, b.N)
	for i := range users {
		users[i] = benchUser()
		tokens[i] = benchInvite(b, c, users[i])
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := invite.Accept(context.Background(), c.S, tokens[i], users[i]); err != nil {
			b.Fatal(err)
		}
	}
}

func benchChangeRole(b *testing.B, c OrgSize) {
	roles := [2]string{"viewer", "editor"}
	for i := 0; b.Loop(); i++ {
		if _, err := member.ChangeRole(context.Background(), c.S, c.Org, c.Owner, c.Target, roles[i&1]); err != nil {
			b.Fatal(err)
		}
	}
}

func benchRemove(b *testing.B, c OrgSize) {
	ctx := context.Background()
	ids := make([]store.ID, b.N)
	for i := range ids {
		m, err := member.AddMember(ctx, c.S, c.Org, c.Owner, member.NewMember{NewUser: benchUser(), Role: "viewer"})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = m.ID
	}
	b.ResetTimer()
	for i := range b.N {
		if err := member.Remove(ctx, c.S, c.Org, c.Owner, ids[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// benchPage reads the first three pages of 3 editors by role, over and
// over: the nine editors of the smallest organisation, at every size, so
// that each size reads the same number of members, in full pages, as
// fresh in the CPU's cache; what differs is the organisation's size, in
// its index.
func benchPage(b *testing.B, c OrgSize) { walkPages(b, c, 3) }

// benchPageDeep walks the pages of 3 editors onwards, from the start again
// after the last: at 10 members the same nine, at 100,000 a member never
// read before on every page, which the CPU's cache holds no more
// (memstore's time is then the memory's; README, Figures).
func benchPageDeep(b *testing.B, c OrgSize) { walkPages(b, c, 0) }

// walkPages reads pages of 3 editors onwards, from the start again after
// the last page or, with pages > 0, after that many.
func walkPages(b *testing.B, c OrgSize, pages int) {
	var after string
	for i := 1; b.Loop(); i++ {
		ms, next, err := c.S.Members(context.Background(), c.Org, store.Filter{Role: "editor"}, store.Page{After: after, Limit: 3})
		if err != nil {
			b.Fatal(err)
		}
		if len(ms) != 3 {
			b.Fatalf("a page of %d editors", len(ms))
		}
		if after = next; pages > 0 && i%pages == 0 {
			after = ""
		}
	}
}
