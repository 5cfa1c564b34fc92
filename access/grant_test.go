package access_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rosterhq/roster/access"
	"pgregory.net/rapid"
)

func TestGrantResolution(t *testing.T) {
	p := seed003(t)
	viewer, _ := p.RolePerms("viewer")
	g := access.NewGrant(access.GrantSpec{
		Policy: p, Role: "viewer", RolePerms: viewer,
		Allow: access.SetOf(ExportProducts, EditProducts), Deny: access.SetOf(EditProducts),
		Active: true,
	})
	for perm, want := range map[access.Permission]bool{ViewProducts: true, ExportProducts: true, EditProducts: false, DeleteProducts: false} {
		if g.Can(perm) != want {
			t.Errorf("Can(%s) = %v, want %v", p.Name(perm), !want, want)
		}
		if d := g.Explain(perm); d.Allowed != want {
			t.Errorf("Explain(%s) = %v disagrees with Can", p.Name(perm), d)
		}
	}
	inactive := access.NewGrant(access.GrantSpec{Policy: p, Role: "viewer", RolePerms: viewer})
	if inactive.Can(ViewProducts) || !inactive.Perms().IsEmpty() || inactive.Held() != viewer {
		t.Fatal("an inactive grant allows something, or lost what it holds")
	}
	owner := access.NewGrant(access.GrantSpec{Policy: p, Role: "owner", Deny: access.SetOf(ManageBilling), Active: true})
	if !owner.Can(ManageBilling) || !owner.IsOwner() || owner.Perms() != p.All() || !owner.CanDo(access.ChangeStatus) {
		t.Fatal("the owner must hold every permission and take every action")
	}
	var zero access.Grant
	if zero.Can(ViewProducts) || zero.CanDo(access.Invite) || zero.Explain(ViewProducts).String() != "denied: no grant" {
		t.Fatal("the zero Grant allows something")
	}
}

func TestCanDo(t *testing.T) {
	p := seed003(t)
	admin, _ := p.RolePerms("admin")
	g := access.NewGrant(access.GrantSpec{Policy: p, Role: "admin", RolePerms: admin, Active: true})
	for a, want := range map[access.Action]bool{access.Invite: true, access.ChangeRole: true, access.ChangeStatus: false, access.ManageRoles: false} {
		if g.CanDo(a) != want {
			t.Errorf("admin CanDo(%s) = %v", a, !want)
		}
	}
}

func TestExplainIsDeterministicAndSpecific(t *testing.T) {
	p := seed003(t)
	editor, _ := p.RolePerms("editor")
	scopes := access.MustScopes("market:de", "market:fr")
	g := access.NewGrant(access.GrantSpec{Policy: p, Role: "editor", RolePerms: editor,
		Allow: access.SetOf(ManageAttributes), Deny: access.SetOf(DeleteProducts), Scopes: scopes, Active: true})
	off := access.NewGrant(access.GrantSpec{Policy: p, Role: "editor", RolePerms: editor})
	partner := access.NewGrant(access.GrantSpec{Policy: p, Source: access.FromPartner, Role: "admin", RolePerms: editor.With(InviteMembers),
		Deny: p.Lifecycle(), Active: true, Via: "partner Acme"})
	suspended := access.NewGrant(access.GrantSpec{Policy: p, Source: access.FromPartner, Role: "editor", RolePerms: editor,
		Deny: p.Lifecycle(), Active: true, Suspended: true, Via: "partner Acme"})
	for _, tc := range []struct {
		g      access.Grant
		perm   access.Permission
		scopes []string
		reason access.Reason
		text   string
	}{
		{g, EditProducts, nil, access.ByRole, `allowed: "products.edit" is granted by role "editor"`},
		{g, ManageAttributes, nil, access.ByMember, `allowed: "attributes.manage" is granted to the member individually`},
		{g, DeleteProducts, nil, access.Withdrawn, `denied: "products.delete" is withdrawn from the member individually`},
		{g, ManageBilling, nil, access.NotGranted, `denied: "billing.manage" is granted neither by role "editor" nor individually`},
		{g, EditProducts, []string{"market:us"}, access.OutOfScope, `denied: scope "market:us" is outside [market:de market:fr]`},
		{g, EditProducts, []string{"market:de", "set:7"}, access.ByRole, `allowed: "products.edit" is granted by role "editor"`},
		{g, 200, nil, access.Undeclared, `denied: perm(200) is not declared by the policy`},
		{off, EditProducts, nil, access.Inactive, `denied: the member is inactive`},
		{partner, EditProducts, nil, access.ByRole, `allowed: "products.edit" is granted by partnership level "admin" (partner Acme)`},
		{partner, InviteMembers, nil, access.Lifecycle, `denied: "members.invite" gates a lifecycle action, which a partnership never carries`},
		{partner, ManageBilling, nil, access.NotGranted, `denied: "billing.manage" is not granted by partnership level "admin" (partner Acme)`},
		{suspended, EditProducts, nil, access.Inactive, `denied: the partnership is suspended (partner Acme)`},
	} {
		d := tc.g.Explain(tc.perm, tc.scopes...)
		if d.Reason != tc.reason || d.String() != tc.text {
			t.Errorf("Explain(%d, %v) = %d %q\nwant %d %q", tc.perm, tc.scopes, d.Reason, d, tc.reason, tc.text)
		}
		if d.Allowed != tc.g.CanIn(tc.perm, tc.scopes...) {
			t.Errorf("Explain(%d, %v) disagrees with CanIn", tc.perm, tc.scopes)
		}
		if again := tc.g.Explain(tc.perm, tc.scopes...); again != d {
			t.Errorf("Explain is not deterministic")
		}
	}
}

func TestScopes(t *testing.T) {
	s := access.MustScopes("market:fr", "market:de", "set:summer", "market:de", "eu")
	if got := strings.Join(s.Strings(), ","); got != "eu,market:de,market:fr,set:summer" {
		t.Fatalf("normalised to %s", got)
	}
	for scope, want := range map[string]bool{
		"market:de": true, "market:fr": true, "market:us": false,
		"set:summer": true, "set:winter": false,
		"site:one": true,              // no site: scope, so every site
		"eu":       true, "us": false, // the unnamed dimension is restricted too
		"market": false, // unnamed dimension, not listed
	} {
		if s.Allows(scope) != want {
			t.Errorf("Allows(%q) = %v, want %v", scope, !want, want)
		}
	}
	if !(access.Scopes{}).Allows("anything") {
		t.Fatal("zero Scopes must allow everything")
	}
	onlyMarkets := access.MustScopes("market:de")
	if !onlyMarkets.Allows("set:any") || !onlyMarkets.Allows("plain") {
		t.Fatal("a restriction on markets must not restrict sets or the unnamed dimension")
	}
	for _, tc := range []struct {
		a, b access.Scopes
		want bool
	}{
		{access.MustScopes("market:de"), access.MustScopes("market:de", "market:fr"), true},
		{access.MustScopes("market:de", "set:1"), access.MustScopes("market:de"), true},
		{access.MustScopes("set:1"), access.MustScopes("market:de"), false},
		{access.Scopes{}, access.MustScopes("market:de"), false},
		{access.MustScopes("market:de"), access.Scopes{}, true},
	} {
		if got := tc.a.SubsetOf(tc.b); got != tc.want {
			t.Errorf("%v.SubsetOf(%v) = %v", tc.a, tc.b, got)
		}
	}
	for _, bad := range []string{"", "a b", "a,b", "tab\t", strings.Repeat("x", 129)} {
		if _, err := access.NewScopes(bad); !errors.Is(err, access.ErrInvalidScope) {
			t.Errorf("NewScopes(%q) = %v", bad, err)
		}
	}
	var back access.Scopes
	data, _ := s.MarshalJSON()
	if err := back.UnmarshalJSON(data); err != nil || !back.Equal(s) {
		t.Fatalf("JSON round trip: %v %v", back, err)
	}
}

func FuzzScopes(f *testing.F) {
	f.Add("market:de", "market:fr", "market:de")
	f.Add("eu", "set:1", "market")
	f.Fuzz(func(t *testing.T, a, b, probe string) {
		s, err := access.NewScopes(a, b)
		if err != nil {
			if !errors.Is(err, access.ErrInvalidScope) {
				t.Fatal(err)
			}
			return
		}
		// Listed scopes are always allowed; the answer for the probe agrees
		// with a direct reading of the per-dimension rule.
		if !s.Allows(a) || !s.Allows(b) {
			t.Fatalf("%v does not allow its own scopes", s)
		}
		dim := func(x string) string {
			if i := strings.IndexByte(x, ':'); i >= 0 {
				return x[:i+1]
			}
			return ""
		}
		want := true
		for sc := range s.All() {
			if dim(sc) == dim(probe) {
				want = false
			}
		}
		for sc := range s.All() {
			if sc == probe {
				want = true
			}
		}
		if s.Allows(probe) != want {
			t.Fatalf("%v.Allows(%q) = %v, want %v", s, probe, !want, want)
		}
	})
}

// Allows agrees with a direct reading of the per-dimension rule, on short
// lists (scanned) and long ones (searched).
func TestScopesAllowsProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gen := rapid.SampledFrom([]string{"a", "b", "market:", "market:de", "market:fr", "market:us", "set:1", "set:2", "site:x", "marketing", "m:1", "z"})
		scopes := rapid.SliceOfN(gen, 0, 12).Draw(t, "scopes")
		probe := gen.Draw(t, "probe")
		s, err := access.NewScopes(scopes...)
		if err != nil {
			t.Fatal(err)
		}
		dim := func(x string) string {
			if i := strings.IndexByte(x, ':'); i >= 0 {
				return x[:i+1]
			}
			return ""
		}
		want := true
		for _, sc := range scopes {
			if dim(sc) == dim(probe) {
				want = false
			}
		}
		for _, sc := range scopes {
			if sc == probe {
				want = true
			}
		}
		if s.Allows(probe) != want {
			t.Fatalf("%v.Allows(%q) = %v, want %v", s, probe, !want, want)
		}
	})
}

func TestExplainDo(t *testing.T) {
	p := seed003(t)
	admin, _ := p.RolePerms("admin")
	viewer, _ := p.RolePerms("viewer")
	g := access.NewGrant(access.GrantSpec{Policy: p, Role: "admin", RolePerms: admin, Active: true})
	v := access.NewGrant(access.GrantSpec{Policy: p, Role: "viewer", RolePerms: viewer, Allow: access.SetOf(InviteMembers), Active: true})
	off := access.NewGrant(access.GrantSpec{Policy: p, Role: "admin", RolePerms: admin})
	owner := access.NewGrant(access.GrantSpec{Policy: p, Role: "owner", Active: true})
	for _, tc := range []struct {
		g    access.Grant
		a    access.Action
		text string
	}{
		{g, access.Invite, `allowed: invite needs "members.invite", which the member holds`},
		{v, access.Invite, `allowed: invite needs "members.invite", which the member holds`},
		{v, access.Remove, `denied: remove needs "members.remove", which the member lacks`},
		{g, access.ChangeStatus, `denied: change_status is the owner's alone`},
		{owner, access.ChangeStatus, `allowed: the owner may change_status`},
		{off, access.Invite, `denied: the member is inactive`},
		{access.Grant{}, access.Invite, `denied: no grant`},
	} {
		d := tc.g.ExplainDo(tc.a)
		if d.String() != tc.text || d.Allowed != tc.g.CanDo(tc.a) {
			t.Errorf("ExplainDo(%s) = %v %q, want %q (CanDo %v)", tc.a, d.Allowed, d, tc.text, tc.g.CanDo(tc.a))
		}
	}
}
