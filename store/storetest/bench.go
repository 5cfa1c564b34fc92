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

// OrgSizeOps runs a backend's BenchmarkOrgSize operations in org, as owner,
// as sub-benchmarks: Send, Accept, ChangeRole (of target, a member other
// than owner), Remove, and Page, one page of 5 editors walked onwards. The
// organisation must have editors, and room in its seat limit for every
// invitation and member the benchmark makes.
func OrgSizeOps(b *testing.B, s store.Store, org, owner, target store.ID) {
	ctx := context.Background()
	user := func() member.NewUser {
		i := benchUsers.Add(1)
		return member.NewUser{UserID: fmt.Sprint("n", i), Email: fmt.Sprintf("n%d@big.io", i)}
	}
	send := func(b *testing.B, u member.NewUser) string {
		_, tok, err := invite.Send(ctx, s, org, owner, invite.NewInvitation{Email: u.Email, Role: "viewer"})
		if err != nil {
			b.Fatal(err)
		}
		return tok
	}
	b.Run("Send", func(b *testing.B) {
		for b.Loop() {
			send(b, user())
		}
	})
	b.Run("Accept", func(b *testing.B) {
		users := make([]member.NewUser, b.N)
		tokens := make([]string, b.N)
		for i := range users {
			users[i] = user()
			tokens[i] = send(b, users[i])
		}
		b.ResetTimer()
		for i := range b.N {
			if _, err := invite.Accept(ctx, s, tokens[i], users[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ChangeRole", func(b *testing.B) {
		roles := [2]string{"viewer", "editor"}
		for i := 0; b.Loop(); i++ {
			if _, err := member.ChangeRole(ctx, s, org, owner, target, roles[i&1]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Remove", func(b *testing.B) {
		ids := make([]store.ID, b.N)
		for i := range ids {
			m, err := member.AddMember(ctx, s, org, owner, member.NewMember{NewUser: user(), Role: "viewer"})
			if err != nil {
				b.Fatal(err)
			}
			ids[i] = m.ID
		}
		b.ResetTimer()
		for i := range b.N {
			if err := member.Remove(ctx, s, org, owner, ids[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Page", func(b *testing.B) {
		// Pages of 5, fewer than the editors of the smallest
		// organisation, so that every size reads full pages (but the
		// last one of the smallest): a filtered page walked onwards,
		// from the start again after the last.
		var after string
		for b.Loop() {
			ms, next, err := s.Members(ctx, org, store.Filter{Role: "editor"}, store.Page{After: after, Limit: 5})
			if err != nil {
				b.Fatal(err)
			}
			if len(ms) == 0 {
				b.Fatal("no editors")
			}
			after = next
		}
	})
}
