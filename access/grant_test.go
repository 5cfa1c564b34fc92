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
	plain := access.NewGrant(access.GrantSpec{Policy: p, Role: "editor", RolePerms: editor,
		Allow: access.SetOf(ManageAttributes), Deny: access.SetOf(DeleteProducts), Active: true})
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
		{plain, EditProducts, nil, access.ByRole, `allowed: "products.edit" is granted by role "editor"`},
		{plain, ManageAttributes, nil, access.ByMember, `allowed: "attributes.manage" is granted to the member individually`},
		{g, EditProducts, nil, access.ScopeLimited, `denied: "products.edit" depends on the scope, for the grant is limited to [market:de market:fr]; ask CanIn with the request's scope`},
		{g, ManageAttributes, []string{"market:fr"}, access.ByMember, `allowed: "attributes.manage" is granted to the member individually`},
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

// A scope-limited grant fails closed: Can answers false for the permissions
// its scopes limit, so that a handler that forgets CanIn hands out nothing;
// CanIn within an allowed scope answers as before, lifecycle actions and the
// escalation sets are unchanged.
func TestScopeLimitedGrantFailsClosed(t *testing.T) {
	p := seed003(t)
	admin, _ := p.RolePerms("admin")
	scopes := access.MustScopes("market:de", "market:fr")
	g := access.NewGrant(access.GrantSpec{Policy: p, Role: "admin", RolePerms: admin,
		Allow: access.SetOf(ManageBilling), Scopes: scopes, Active: true})
	for perm := range admin.With(ManageBilling).All() {
		name := p.Name(perm)
		if g.Can(perm) {
			t.Errorf("Can(%s) = true on a grant limited to %v", name, scopes)
		}
		if g.CanIn(perm) {
			t.Errorf("CanIn(%s) without scopes = true on a grant limited to %v", name, scopes)
		}
		if !g.CanIn(perm, "market:de") || !g.CanIn(perm, "market:fr", "set:x") {
			t.Errorf("CanIn(%s, an allowed scope) = false", name)
		}
		if g.CanIn(perm, "market:us") || g.CanIn(perm, "market:de", "market:us") {
			t.Errorf("CanIn(%s, market:us) = true", name)
		}
		d := g.Explain(perm)
		if d.Allowed || d.Reason != access.ScopeLimited || !strings.Contains(d.String(), "depends on the scope") || !strings.Contains(d.String(), "CanIn") {
			t.Errorf("Explain(%s) = %v %q; want a denial that says it depends on the scope and to use CanIn", name, d.Allowed, d)
		}
		if d := g.Explain(perm, "market:de"); !d.Allowed {
			t.Errorf("Explain(%s, market:de) = %q", name, d)
		}
	}
	if g.Can(DeleteOrganization) || g.CanIn(DeleteOrganization, "market:de") {
		t.Error("a permission the grant lacks is allowed")
	}
	if !g.Perms().IsEmpty() {
		t.Errorf("Perms() = %v; it must agree with Can", g.Perms())
	}
	// Lifecycle gates and escalation read what the grant holds, as before.
	if !g.CanDo(access.Invite) || !g.CanDo(access.ChangeRole) || g.CanDo(access.ChangeStatus) {
		t.Error("lifecycle gates changed for a scope-limited grant")
	}
	if d := g.ExplainDo(access.Invite); !d.Allowed {
		t.Errorf("ExplainDo(invite) = %q", d)
	}
	if g.Held() != admin.With(ManageBilling) || !g.Scopes().Equal(scopes) {
		t.Errorf("Held() = %v, Scopes() = %v", g.Held(), g.Scopes())
	}
	// Through a key, inactive, the owner, and without scopes.
	k := g.Through(access.FromKey, "key ci", true)
	if k.Can(EditProducts) || !k.CanIn(EditProducts, "market:de") || !k.CanDo(access.Invite) {
		t.Error("a key of a scope-limited member does not fail closed, or lost its scoped permissions")
	}
	if off := g.Through(access.FromKey, "key ci", false); off.CanIn(EditProducts, "market:de") || off.CanDo(access.Invite) {
		t.Error("an inactive key allows something")
	}
	if off := access.NewGrant(access.GrantSpec{Policy: p, Role: "admin", RolePerms: admin, Scopes: scopes}); off.CanIn(EditProducts, "market:de") || off.Explain(EditProducts).Reason != access.Inactive {
		t.Error("an inactive scope-limited grant allows something")
	}
	owner := access.NewGrant(access.GrantSpec{Policy: p, Role: "owner", Scopes: scopes, Active: true})
	if !owner.Can(EditProducts) || !owner.CanIn(EditProducts, "market:us") {
		t.Error("the owner is never scope-limited")
	}
	plain := access.NewGrant(access.GrantSpec{Policy: p, Role: "admin", RolePerms: admin, Active: true})
	if !plain.Can(EditProducts) || !plain.CanIn(EditProducts) || plain.Perms() != admin {
		t.Error("a grant without scopes changed")
	}
	partner := access.NewGrant(access.GrantSpec{Policy: p, Source: access.FromPartner, Role: "editor", RolePerms: admin,
		Deny: p.Lifecycle(), Scopes: access.MustScopes("set:summer"), Active: true})
	if partner.Can(EditProducts) || !partner.CanIn(EditProducts, "set:summer") || partner.CanIn(InviteMembers, "set:summer") {
		t.Error("a scope-limited partnership does not fail closed")
	}
	allocs := testing.AllocsPerRun(100, func() {
		if g.Can(EditProducts) || !g.CanIn(EditProducts, "market:de") || !g.CanDo(access.Invite) {
			panic("unreachable")
		}
	})
	if allocs != 0 {
		t.Fatalf("Can, CanIn and CanDo allocate %v times", allocs)
	}
}
