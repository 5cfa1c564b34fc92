package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// The policy-swap machine: random sequences in which the policy changes
// between steps, v1 (the suite's) and v2 (policyV2: a permission renamed
// with an alias, a permission dropped, a role renamed with an alias, a role
// dropped), each change a Reopen of the store's data, with permission
// changes, custom role changes, deactivations and prunes between them. A
// small model of its own keeps what each record stores, by name, and reads
// it under the policy in force from the tables below, not from package
// access: after every step every member loads, its role and what Can
// answers for every permission of the policy agree with the model, and
// member.Drift lists exactly what the model says has drifted.

// The change from v1 to v2, as the model knows it.
var (
	swapPermRenamed = map[string]string{"products.edit": "products.write"}
	swapPermDropped = map[string]bool{"products.delete": true}
	swapRoleRenamed = map[string]string{"editor": "author"}
	swapRoleDropped = map[string]bool{"manager": true}
)

// swapModel is what the store holds, by stored name.
type swapModel struct {
	v2      bool
	perms   map[bool][]string            // the permissions of v1 (false) and v2 (true), current names
	roles   map[bool]map[string][]string // their roles' permissions, the owner's included
	members map[store.ID]*swapMember
	custom  map[string][]string // the custom roles' stored permission names
}

type swapMember struct {
	role        string
	allow, deny []string
	active      bool
	owner       bool
}

func newSwapModel(v1 *access.Policy) *swapModel {
	m := &swapModel{perms: map[bool][]string{}, roles: map[bool]map[string][]string{false: {}, true: {}},
		members: map[store.ID]*swapMember{}, custom: map[string][]string{}}
	m.perms[false], _ = v1.Names(v1.All())
	for _, n := range m.perms[false] {
		if !swapPermDropped[n] {
			m.perms[true] = append(m.perms[true], rename(swapPermRenamed, n))
		}
	}
	for _, r := range v1.Roles() {
		names, _ := v1.Names(r.Perms)
		m.roles[false][r.Name] = names
		if swapRoleDropped[r.Name] {
			continue
		}
		var v2 []string
		for _, n := range names {
			if !swapPermDropped[n] {
				v2 = append(v2, rename(swapPermRenamed, n))
			}
		}
		m.roles[true][rename(swapRoleRenamed, r.Name)] = v2
	}
	return m
}

func rename(m map[string]string, n string) string {
	if to, ok := m[n]; ok {
		return to
	}
	return n
}

// perm resolves a stored permission name under the policy in force: its
// current name, and whether it was an alias; ok is false for a name the
// policy does not have.
func (m *swapModel) perm(n string) (cur string, alias, ok bool) {
	if m.v2 {
		if to, ok := swapPermRenamed[n]; ok {
			return to, true, true
		}
	}
	if slices.Contains(m.perms[m.v2], n) {
		return n, false, true
	}
	return "", false, false
}

// role resolves a stored role name as perm does; a custom role is ok.
func (m *swapModel) role(n string) (cur string, alias, ok bool) {
	if m.v2 {
		if to, ok := swapRoleRenamed[n]; ok {
			return to, true, true
		}
	}
	if _, ok := m.roles[m.v2][n]; ok {
		return n, false, true
	}
	_, ok = m.custom[n]
	return n, false, ok
}

// resolve returns the current names that stored names grant.
func (m *swapModel) resolve(names []string) map[string]bool {
	out := map[string]bool{}
	for _, n := range names {
		if cur, _, ok := m.perm(n); ok {
			out[cur] = true
		}
	}
	return out
}

// encode is what a write of the current names set stores over old: each
// under the alias it was read under, if any, and the names the policy does
// not have, kept.
func (m *swapModel) encode(set []string, old []string) []string {
	var out []string
	for _, cur := range set {
		name := cur
		for _, o := range old {
			if c, alias, ok := m.perm(o); ok && alias && c == cur {
				name = o
				break
			}
		}
		out = append(out, name)
	}
	for _, o := range old {
		if _, _, ok := m.perm(o); !ok && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

// can is what the member may do, by current permission name.
func (m *swapModel) can(x *swapMember) map[string]bool {
	out := map[string]bool{}
	if !x.active {
		return out
	}
	if x.owner {
		for _, n := range m.perms[m.v2] {
			out[n] = true
		}
		return out
	}
	cur, _, _ := m.role(x.role)
	if perms, ok := m.roles[m.v2][cur]; ok {
		for _, n := range perms {
			out[n] = true
		}
	} else if names, ok := m.custom[cur]; ok {
		maps.Copy(out, m.resolve(names))
	}
	maps.Copy(out, m.resolve(x.allow))
	for n := range m.resolve(x.deny) {
		delete(out, n)
	}
	return out
}

// drift is what member.Drift must list, one string per entry.
func (m *swapModel) drift() []string {
	var out []string
	names := func(kind, id, field string, ns []string) {
		for _, n := range ns {
			if cur, alias, ok := m.perm(n); !ok || alias {
				out = append(out, fmt.Sprintf("%s %s %s %s→%s", kind, id, field, n, cur))
			}
		}
	}
	for id, x := range m.members {
		if cur, alias, ok := m.role(x.role); !ok || alias {
			if !ok {
				cur = ""
			}
			out = append(out, fmt.Sprintf("member %s role %s→%s", id, x.role, cur))
		}
		names("member", id.String(), "allow", x.allow)
		names("member", id.String(), "deny", x.deny)
	}
	for name, ps := range m.custom {
		names("role", name, "perms", ps)
	}
	slices.Sort(out)
	return out
}

// prune is member.PruneDrift with the default fallback: the non-owner role
// with the fewest permissions (viewer, in both policies).
func (m *swapModel) prune() {
	current := func(ns []string) []string {
		var out []string
		for _, n := range ns {
			if cur, _, ok := m.perm(n); ok && !slices.Contains(out, cur) {
				out = append(out, cur)
			}
		}
		return out
	}
	for _, x := range m.members {
		if cur, _, ok := m.role(x.role); ok {
			x.role = cur
		} else {
			x.role = "viewer"
		}
		x.allow, x.deny = current(x.allow), current(x.deny)
	}
	for name, ps := range m.custom {
		m.custom[name] = current(ps)
	}
}

func driftStrings(ds []store.Drift) []string {
	var out []string
	for _, d := range ds {
		id := d.ID.String()
		if d.Kind == "role" {
			id = d.Role
		}
		out = append(out, fmt.Sprintf("%s %s %s %s→%s", d.Kind, id, d.Field, d.Name, d.Current))
	}
	slices.Sort(out)
	return out
}

// testPolicySwap runs the policy-swap machine.
func testPolicySwap(t *testing.T, f Factory) {
	rounds(t, 10, func(t *testing.T) {
		rapid.Check(t, func(rt *rapid.T) { runPolicySwap(t, rt, f) })
	})
}

func runPolicySwap(tt *testing.T, rt *rapid.T, f Factory) {
	ctx := context.Background()
	env := fixture.NewEnv(fixture.NewClock(), 7)
	s := f(tt, env)
	if _, ok := s.(store.Reopener); !ok {
		tt.Skipf("%T cannot open its data under another policy (store.Reopener)", s)
	}
	pol := map[bool]*access.Policy{false: env.Policy, true: policyV2(tt)}
	m := newSwapModel(pol[false])
	org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "own", Email: "own@acme.io"}})
	require.NoError(rt, err)
	m.members[owner.ID] = &swapMember{role: "owner", active: true, owner: true}
	_, err = member.CreateRole(ctx, s, org.ID, owner.ID, "qa", "QA", access.SetOf(fixture.ViewProducts, fixture.EditProducts, fixture.DeleteProducts))
	require.NoError(rt, err)
	m.custom["qa"] = []string{"products.view", "products.edit", "products.delete"}
	var ids []store.ID
	for i, role := range []string{"admin", "manager", "editor", "viewer", "qa", "editor"} {
		mem, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{Role: role, NewUser: member.NewUser{UserID: fmt.Sprint("u", i), Email: fmt.Sprintf("u%d@acme.io", i)}})
		require.NoError(rt, err)
		m.members[mem.ID] = &swapMember{role: role, active: true}
		ids = append(ids, mem.ID)
	}
	// A draw of current permission names of the policy in force.
	draw := func(label string) []string {
		var out []string
		for _, n := range m.perms[m.v2] {
			if rapid.IntRange(0, 5).Draw(rt, label+" "+n) == 0 {
				out = append(out, n)
			}
		}
		return out
	}
	set := func(names []string) access.Set {
		s, err := pol[m.v2].ParseSet(names...)
		require.NoError(rt, err)
		return s
	}
	check := func(step string) {
		ms, _, err := s.Members(ctx, org.ID, store.Filter{}, store.Page{})
		require.NoError(rt, err, step)
		require.Len(rt, ms, len(m.members), step)
		p := pol[m.v2]
		for _, got := range ms {
			x := m.members[got.ID]
			cur, _, _ := m.role(x.role)
			require.Equal(rt, cur, got.Role, "%s: member %v's role", step, got.ID)
			want := m.can(x)
			for _, n := range m.perms[m.v2] {
				perm, ok := p.Permission(n)
				require.True(rt, ok, n)
				require.Equal(rt, want[n], got.Can(perm), "%s: member %v (%s, allow %v, deny %v) Can(%s)", step, got.ID, x.role, x.allow, x.deny, n)
			}
		}
		drift, err := member.Drift(ctx, s, org.ID)
		require.NoError(rt, err, step)
		require.Equal(rt, m.drift(), driftStrings(drift), "%s: the drift report", step)
	}
	check("setup")
	for step := range rapid.IntRange(5, 25).Draw(rt, "steps") {
		var what string
		switch rapid.IntRange(0, 4).Draw(rt, "op") {
		case 0:
			m.v2 = !m.v2
			s = reopen(tt, s, pol[m.v2])
			what = fmt.Sprintf("reopen under v%d", map[bool]int{false: 1, true: 2}[m.v2])
		case 1:
			id := ids[rapid.IntRange(0, len(ids)-1).Draw(rt, "target")]
			allow, deny := draw("allow"), draw("deny")
			deny = slices.DeleteFunc(deny, func(n string) bool { return slices.Contains(allow, n) })
			_, err := member.SetPermissions(ctx, s, org.ID, owner.ID, id, set(allow), set(deny))
			require.NoError(rt, err)
			x := m.members[id]
			x.allow, x.deny = m.encode(allow, x.allow), m.encode(deny, x.deny)
			what = fmt.Sprintf("set permissions of %v: allow %v, deny %v", id, allow, deny)
		case 2:
			perms := draw("qa")
			_, err := member.UpdateRole(ctx, s, org.ID, owner.ID, "qa", "QA", set(perms))
			require.NoError(rt, err)
			m.custom["qa"] = m.encode(perms, m.custom["qa"])
			what = fmt.Sprintf("qa's permissions: %v", perms)
		case 3:
			id := ids[rapid.IntRange(0, len(ids)-1).Draw(rt, "target")]
			x := m.members[id]
			if x.active {
				_, err = member.Deactivate(ctx, s, org.ID, owner.ID, id)
			} else {
				_, err = member.Reactivate(ctx, s, org.ID, owner.ID, id)
			}
			require.NoError(rt, err)
			x.active = !x.active
			what = fmt.Sprintf("toggle %v", id)
		case 4:
			_, err := member.PruneDrift(ctx, s, org.ID, "")
			require.NoError(rt, err)
			m.prune()
			what = "prune"
		}
		rt.Logf("step %d: %s", step, what)
		check(fmt.Sprintf("step %d (%s)", step, strings.TrimSpace(what)))
	}
}
