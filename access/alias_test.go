package access_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/rosterhq/roster/access"
)

// aliasSpec is seed 003's policy after two renames: "products.enrich" was
// "products.annotate", and the role "viewer" was "reader" and "guest".
func aliasSpec() access.Spec {
	spec := seed003Spec()
	spec.Permissions[EnrichProducts].Aliases = []string{"products.annotate"}
	spec.Roles[3].Aliases = []string{"reader", "guest"}
	return spec
}

func TestAliasesResolveStoredNames(t *testing.T) {
	p, err := access.NewPolicy(aliasSpec())
	if err != nil {
		t.Fatal(err)
	}
	if perm, alias, ok := p.ResolvePermission("products.annotate"); !ok || !alias || perm != EnrichProducts {
		t.Fatalf("ResolvePermission(alias) = %v, %v, %v", perm, alias, ok)
	}
	if perm, alias, ok := p.ResolvePermission("products.enrich"); !ok || alias || perm != EnrichProducts {
		t.Fatalf("ResolvePermission(name) = %v, %v, %v", perm, alias, ok)
	}
	if _, _, ok := p.ResolvePermission("products.gone"); ok {
		t.Fatal("an unknown name resolved")
	}
	// New input takes current names only.
	if _, ok := p.Permission("products.annotate"); ok {
		t.Fatal("Permission took an alias")
	}
	if _, err := p.ParseSet("products.annotate"); !errors.Is(err, access.ErrUnknownPermission) {
		t.Fatalf("ParseSet(alias) = %v", err)
	}
	for _, name := range []string{"reader", "guest"} {
		if cur, alias, ok := p.ResolveRole(name); !ok || !alias || cur != "viewer" {
			t.Fatalf("ResolveRole(%q) = %q, %v, %v", name, cur, alias, ok)
		}
	}
	if cur, alias, ok := p.ResolveRole("admin"); !ok || alias || cur != "admin" {
		t.Fatalf("ResolveRole(admin) = %q, %v, %v", cur, alias, ok)
	}
	if _, _, ok := p.ResolveRole("custom"); ok {
		t.Fatal("an unknown role resolved")
	}
	if _, ok := p.Role("reader"); ok {
		t.Fatal("Role took an alias")
	}
	set, aliases, unknown := p.DecodeNames([]string{"products.view", "products.annotate", "products.gone", "x.y"})
	if set != access.SetOf(ViewProducts, EnrichProducts) || !slices.Equal(aliases, []string{"products.annotate"}) || !slices.Equal(unknown, []string{"products.gone", "x.y"}) {
		t.Fatalf("DecodeNames = %v, %v, %v", set, aliases, unknown)
	}
	if r, _ := p.Role("viewer"); !slices.Equal(r.Aliases, []string{"reader", "guest"}) {
		t.Fatalf("Role.Aliases = %v", r.Aliases)
	}
}

func TestAliasesRoundTrip(t *testing.T) {
	p, err := access.NewPolicy(aliasSpec())
	if err != nil {
		t.Fatal(err)
	}
	spec := p.Spec()
	if !slices.Equal(spec.Permissions[EnrichProducts].Aliases, []string{"products.annotate"}) || !slices.Equal(spec.Roles[3].Aliases, []string{"reader", "guest"}) {
		t.Fatalf("Spec lost the aliases:\n%+v", spec)
	}
	if again, err := access.NewPolicy(spec); err != nil || !reflect.DeepEqual(again.Spec(), spec) {
		t.Fatalf("Spec does not round-trip: %v", err)
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := access.ParsePolicy(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Spec(), p.Spec()) {
		t.Fatalf("JSON round trip changed the policy: %s", data)
	}
	if _, _, ok := back.ResolvePermission("products.annotate"); !ok {
		t.Fatalf("the JSON form lost the alias: %s", data)
	}
}

func TestAliasErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*access.Spec)
		want error
	}{
		{"permission alias is a permission's name", func(s *access.Spec) { s.Permissions[0].Aliases = []string{"products.edit"} }, access.ErrDuplicateName},
		{"permission alias is its own name", func(s *access.Spec) { s.Permissions[0].Aliases = []string{"products.view"} }, access.ErrDuplicateName},
		{"permission alias twice on one", func(s *access.Spec) { s.Permissions[0].Aliases = []string{"a.b", "a.b"} }, access.ErrDuplicateName},
		{"permission alias on two", func(s *access.Spec) {
			s.Permissions[0].Aliases = []string{"a.b"}
			s.Permissions[1].Aliases = []string{"a.b"}
		}, access.ErrDuplicateName},
		{"permission alias invalid", func(s *access.Spec) { s.Permissions[0].Aliases = []string{"a b"} }, access.ErrInvalidName},
		{"permission alias empty", func(s *access.Spec) { s.Permissions[0].Aliases = []string{""} }, access.ErrEmptyName},
		{"role alias is a role's name", func(s *access.Spec) { s.Roles[3].Aliases = []string{"admin"} }, access.ErrDuplicateName},
		{"role alias on two roles", func(s *access.Spec) {
			s.Roles[2].Aliases = []string{"old"}
			s.Roles[3].Aliases = []string{"old"}
		}, access.ErrDuplicateName},
		{"role alias twice", func(s *access.Spec) { s.Roles[3].Aliases = []string{"old", "old"} }, access.ErrDuplicateName},
		{"role alias invalid", func(s *access.Spec) { s.Roles[3].Aliases = []string{"ö"} }, access.ErrInvalidName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := seed003Spec()
			tc.edit(&spec)
			_, err := access.NewPolicy(spec)
			if !errors.Is(err, tc.want) || !errors.Is(err, access.ErrInvalidPolicy) {
				t.Fatalf("NewPolicy = %v, want %v", err, tc.want)
			}
		})
	}
	// A permission may share an alias with a role: they are different kinds.
	spec := seed003Spec()
	spec.Permissions[0].Aliases = []string{"old"}
	spec.Roles[3].Aliases = []string{"old"}
	if _, err := access.NewPolicy(spec); err != nil {
		t.Fatal(err)
	}
}
