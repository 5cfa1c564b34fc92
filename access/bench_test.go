package access_test

import (
	"testing"

	"github.com/rosterhq/roster/access"
)

// The two benchmarks below run the same loop over the same permissions: one
// asks a resolved Grant, the other does a bare AND on a precomputed word
// array. Compare them in one run:
//
//	go test ./access -run '^$' -bench 'Can|Baseline' -benchmem

var sink int

func benchGrant(b *testing.B) (access.Grant, int) {
	p := seed003(b)
	editor, _ := p.RolePerms("editor")
	return access.NewGrant(access.GrantSpec{Policy: p, Role: "editor", RolePerms: editor,
		Allow: access.SetOf(ManageAttributes), Active: true,
		Scopes: access.MustScopes("market:de", "market:fr", "set:a", "set:b")}), p.Len()
}

func BenchmarkCan(b *testing.B) {
	g, n := benchGrant(b)
	hits := 0
	for i := 0; b.Loop(); i++ {
		if g.Can(access.Permission(i % n)) {
			hits++
		}
	}
	sink = hits
}

// BenchmarkCanUnscoped is BenchmarkCan on the same grant without scopes: the
// scope-limited grant above fails closed, so Can answers false throughout.
func BenchmarkCanUnscoped(b *testing.B) {
	p := seed003(b)
	editor, _ := p.RolePerms("editor")
	g, n := access.NewGrant(access.GrantSpec{Policy: p, Role: "editor", RolePerms: editor,
		Allow: access.SetOf(ManageAttributes), Active: true}), p.Len()
	hits := 0
	for i := 0; b.Loop(); i++ {
		if g.Can(access.Permission(i % n)) {
			hits++
		}
	}
	sink = hits
}

func BenchmarkBaselineBitTest(b *testing.B) {
	g, n := benchGrant(b)
	words := [4]uint64(g.Perms())
	hits := 0
	for i := 0; b.Loop(); i++ {
		p := uint(i % n)
		if words[p>>6]&(1<<(p&63)) != 0 {
			hits++
		}
	}
	sink = hits
}

func BenchmarkCanIn(b *testing.B) {
	g, n := benchGrant(b)
	scopes := [...]string{"market:de", "market:us", "set:b", "site:x"}
	hits := 0
	for i := 0; b.Loop(); i++ {
		if g.CanIn(access.Permission(i%n), scopes[i&3]) {
			hits++
		}
	}
	sink = hits
}

func BenchmarkExplain(b *testing.B) {
	g, n := benchGrant(b)
	for i := 0; b.Loop(); i++ {
		sink += len(g.Explain(access.Permission(i % n)).String())
	}
}
