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
// (<op>/members=<n>): Send, Accept, ChangeRole (of the target), Remove, and
// Page, one page of 5 editors walked onwards. The sizes of one operation
// are measured one after the other, close in time, so that a machine's
// changing load weighs on them alike.
func OrgSizeOps(b *testing.B, sizes []OrgSize) {
	ops := []struct {
		name string
		fn   func(b *testing.B, c OrgSize)
	}{{"Send", benchSend}, {"Accept", benchAccept}, {"ChangeRole", benchChangeRole}, {"Remove", benchRemove}, {"Page", benchPage}}
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

// benchPage reads pages of 5, fewer than the editors of the smallest
// organisation, so that every size reads full pages (but the last one of
// the smallest): a filtered page walked onwards, from the start again after
// the last.
func benchPage(b *testing.B, c OrgSize) {
	var after string
	for b.Loop() {
		ms, next, err := c.S.Members(context.Background(), c.Org, store.Filter{Role: "editor"}, store.Page{After: after, Limit: 5})
		if err != nil {
			b.Fatal(err)
		}
		if len(ms) == 0 {
			b.Fatal("no editors")
		}
		after = next
	}
}
