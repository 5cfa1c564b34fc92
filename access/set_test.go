package access_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/rosterhq/roster/access"
	"pgregory.net/rapid"
)

// model is the obvious map-based set that Set must agree with.
type model map[access.Permission]bool

func (m model) sorted() []access.Permission { return slices.Sorted(maps.Keys(m)) }

func genPerms(n int) *rapid.Generator[[]access.Permission] {
	return rapid.SliceOfN(rapid.Custom(func(t *rapid.T) access.Permission {
		return access.Permission(rapid.IntRange(0, n-1).Draw(t, "p"))
	}), 0, 40)
}

func build(ps []access.Permission) (access.Set, model) {
	m := model{}
	for _, p := range ps {
		m[p] = true
	}
	return access.SetOf(ps...), m
}

func TestSetAgreesWithMapModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, ma := build(genPerms(access.MaxPermissions).Draw(t, "a"))
		b, mb := build(genPerms(access.MaxPermissions).Draw(t, "b"))
		probe := access.Permission(rapid.IntRange(0, 255).Draw(t, "probe"))

		if got := slices.Collect(a.All()); !slices.Equal(got, ma.sorted()) {
			t.Fatalf("All() = %v, model %v", got, ma.sorted())
		}
		if a.Len() != len(ma) || a.IsEmpty() != (len(ma) == 0) {
			t.Fatalf("Len/IsEmpty = %d/%v, model has %d", a.Len(), a.IsEmpty(), len(ma))
		}
		if a.Has(probe) != ma[probe] {
			t.Fatalf("Has(%d) = %v, model %v", probe, a.Has(probe), ma[probe])
		}
		union, inter, diff := model{}, model{}, model{}
		for p := range ma {
			union[p] = true
			if mb[p] {
				inter[p] = true
			} else {
				diff[p] = true
			}
		}
		for p := range mb {
			union[p] = true
		}
		for name, c := range map[string]struct {
			got  access.Set
			want model
		}{
			"union":        {a.Union(b), union},
			"intersection": {a.Intersect(b), inter},
			"difference":   {a.Difference(b), diff},
			"with":         {a.With(probe), withKey(ma, probe)},
		} {
			if got := slices.Collect(c.got.All()); !slices.Equal(got, c.want.sorted()) {
				t.Fatalf("%s = %v, model %v", name, got, c.want.sorted())
			}
		}
		without := a.Without(probe)
		if without.Has(probe) || without.Len() != len(ma)-btoi(ma[probe]) {
			t.Fatalf("Without(%d) = %v from %v", probe, without, a)
		}
		subset := true
		for p := range ma {
			subset = subset && mb[p]
		}
		if a.SubsetOf(b) != subset {
			t.Fatalf("SubsetOf = %v, model %v", a.SubsetOf(b), subset)
		}
		if (a == b) != maps.Equal(ma, mb) {
			t.Fatalf("== is %v, model equality %v", a == b, maps.Equal(ma, mb))
		}
	})
}

func withKey(m model, p access.Permission) model {
	c := maps.Clone(m)
	c[p] = true
	return c
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestSetJSONRoundTripThroughPolicy(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, access.MaxPermissions).Draw(t, "n")
		spec := access.Spec{Owner: "owner", Roles: []access.RoleSpec{{Name: "owner"}, {Name: "member"}}}
		for i := range n {
			spec.Permissions = append(spec.Permissions, access.PermissionSpec{Name: fmt.Sprintf("p%03d", i)})
		}
		p, err := access.NewPolicy(spec)
		if err != nil {
			t.Fatal(err)
		}
		s, m := build(genPerms(n).Draw(t, "s"))
		data, err := p.MarshalSet(s)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		if err := json.Unmarshal(data, &names); err != nil {
			t.Fatal(err)
		}
		if len(names) != len(m) {
			t.Fatalf("%d names for %d permissions", len(names), len(m))
		}
		for i, perm := range m.sorted() {
			if names[i] != p.Name(perm) {
				t.Fatalf("name %d = %q, want %q", i, names[i], p.Name(perm))
			}
		}
		back, err := p.UnmarshalSet(data)
		if err != nil || back != s {
			t.Fatalf("round trip gave %v, %v; want %v", back, err, s)
		}
	})
}

func TestSetNamesRefusesUndeclared(t *testing.T) {
	p := seed003(t)
	if _, err := p.Names(access.SetOf(200)); err == nil {
		t.Fatal("Names of an undeclared permission succeeded")
	}
	if _, err := p.UnmarshalSet([]byte(`["products.view","products.fly"]`)); err == nil {
		t.Fatal("an unknown name was accepted")
	}
	if _, err := p.ParseSet("products.view", ""); err == nil {
		t.Fatal("an empty name was accepted")
	}
}

// Overlaps finds a permission given as both allow and deny, in any word of
// the set.
func TestSetOverlaps(t *testing.T) {
	for _, tc := range []struct {
		a, b access.Set
		want bool
	}{
		{access.Set{}, access.Set{}, false},
		{access.SetOf(1), access.Set{}, false},
		{access.SetOf(1, 2), access.SetOf(3, 4), false},
		{access.SetOf(1, 2), access.SetOf(2, 3), true},
		{access.SetOf(0, 64, 128), access.SetOf(1, 65, 129, 192), false},
		{access.SetOf(70), access.SetOf(70), true},
		{access.SetOf(5, 200), access.SetOf(255, 200), true},
		{access.SetOf(255), access.FirstN(256), true},
	} {
		if got := tc.a.Overlaps(tc.b); got != tc.want {
			t.Errorf("%v.Overlaps(%v) = %v", tc.a, tc.b, got)
		}
		if got := tc.b.Overlaps(tc.a); got != tc.want {
			t.Errorf("%v.Overlaps(%v) = %v", tc.b, tc.a, got)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		a, ma := build(genPerms(access.MaxPermissions).Draw(t, "a"))
		b, mb := build(genPerms(access.MaxPermissions).Draw(t, "b"))
		want := false
		for p := range ma {
			want = want || mb[p]
		}
		if a.Overlaps(b) != want || a.Overlaps(b) != !a.Intersect(b).IsEmpty() {
			t.Fatalf("%v.Overlaps(%v) = %v, model %v", a, b, a.Overlaps(b), want)
		}
	})
}

func TestFirstN(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 63, 64, 65, 128, 255, 256, 300} {
		want := min(max(n, 0), 256)
		if got := access.FirstN(n).Len(); got != want {
			t.Errorf("FirstN(%d).Len() = %d, want %d", n, got, want)
		}
	}
}

func TestSetOpsDoNotAllocate(t *testing.T) {
	a, b := access.SetOf(1, 70, 200), access.SetOf(70, 130)
	var sink int
	allocs := testing.AllocsPerRun(100, func() {
		u := a.Union(b).Intersect(a).Difference(b).With(5, 6).Without(6)
		if u.Has(5) && !u.IsEmpty() && u.SubsetOf(a.With(5)) && u.Overlaps(a.With(5)) {
			sink += u.Len()
		}
		for p := range u.All() {
			sink += int(p)
		}
	})
	if allocs != 0 {
		t.Fatalf("set operations allocate %v times per run", allocs)
	}
	_ = sink
}
