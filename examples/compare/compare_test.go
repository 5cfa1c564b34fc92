package compare_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
)

// Run the comparison with
//
//	go test -run '^$' -bench . -benchmem

// The workload.
const (
	nOrgs = 1000
	nSeq  = 4096 // requests in the benchmark cycle; a power of two
)

// roles are seed 003's roles, one user of each in every organisation.
var roles = [...]string{"owner", "admin", "editor", "viewer"}

// matrix is seed 003's "Detailed Permission Matrix", row by row: the
// expected answers every engine is checked against. Row i is permission i.
var matrix = [...]struct {
	name  string
	allow [len(roles)]bool // owner, admin, editor, viewer
}{
	{"products.view", [4]bool{true, true, true, true}},
	{"products.create", [4]bool{true, true, true, false}},
	{"products.edit", [4]bool{true, true, true, false}},
	{"products.delete", [4]bool{true, true, true, false}},
	{"products.enrich", [4]bool{true, true, true, false}},
	{"products.export", [4]bool{true, true, true, false}},
	{"attributes.manage", [4]bool{true, true, false, false}},
	{"product_types.manage", [4]bool{true, true, false, false}},
	{"members.invite", [4]bool{true, true, false, false}},
	{"members.remove", [4]bool{true, true, false, false}},
	{"members.change_role", [4]bool{true, true, false, false}},
	{"billing.manage", [4]bool{true, false, false, false}},
	{"organization.delete", [4]bool{true, false, false, false}},
}

const nPerms = len(matrix)

// Seed 003's permissions as roster declares them: constants in matrix order.
const (
	ViewProducts access.Permission = iota
	CreateProducts
	EditProducts
	DeleteProducts
	EnrichProducts
	ExportProducts
	ManageAttributes
	ManageProductTypes
	InviteMembers
	RemoveMembers
	ChangeRoles
	ManageBilling
	DeleteOrganization
)

// rosterSpec is seed 003's policy for roster, as access/policy_test.go
// declares it.
func rosterSpec() access.Spec {
	editor := access.SetOf(ViewProducts, CreateProducts, EditProducts, DeleteProducts, EnrichProducts, ExportProducts)
	admin := editor.With(ManageAttributes, ManageProductTypes, InviteMembers, RemoveMembers, ChangeRoles)
	perms := make([]access.PermissionSpec, nPerms)
	for i, row := range matrix {
		perms[i] = access.PermissionSpec{Name: row.name}
	}
	return access.Spec{
		Permissions: perms,
		Roles: []access.RoleSpec{
			{Name: "owner"},
			{Name: "admin", Permissions: admin},
			{Name: "editor", Permissions: editor},
			{Name: "viewer", Permissions: access.SetOf(ViewProducts)},
		},
		Owner: "owner",
		Gates: map[access.Action]access.Permission{
			access.Invite:     InviteMembers,
			access.Remove:     RemoveMembers,
			access.ChangeRole: ChangeRoles,
		},
	}
}

// A request asks whether the user holding role in organisation userOrg may do
// perm in organisation org. Users belong to one organisation; org differs
// from userOrg only in the cross-tenant rows of the correctness table.
type request struct {
	org, userOrg, role int
	perm               access.Permission
}

func (q request) want() bool { return q.org == q.userOrg && matrix[q.perm].allow[q.role] }

func userID(org, role int) string { return fmt.Sprintf("user-%04d-%s", org, roles[role]) }

// world is the shared fixture: the organisations in roster's memstore, with
// their IDs, which casbin and OPA use as domains and keys too.
type world struct {
	db      *memstore.Store
	orgs    []store.ID
	orgStr  []string
	members [][len(roles)]store.Member // as MemberByUser returns them
	seq     []request                  // the benchmark cycle
}

var getWorld = sync.OnceValues(func() (*world, error) {
	ctx := context.Background()
	p, err := access.NewPolicy(rosterSpec())
	if err != nil {
		return nil, err
	}
	db, err := memstore.New(store.Env{Policy: p})
	if err != nil {
		return nil, err
	}
	w := &world{db: db}
	for o := range nOrgs {
		org, owner, err := member.CreateOrg(ctx, db, member.NewOrg{
			Name:  fmt.Sprintf("Org %d", o),
			Owner: member.NewUser{UserID: userID(o, 0), Email: userID(o, 0) + "@example.com"},
		})
		if err != nil {
			return nil, err
		}
		for r := 1; r < len(roles); r++ {
			_, err := member.AddMember(ctx, db, org.ID, owner.ID, member.NewMember{
				NewUser: member.NewUser{UserID: userID(o, r), Email: userID(o, r) + "@example.com"},
				Role:    roles[r],
			})
			if err != nil {
				return nil, err
			}
		}
		var ms [len(roles)]store.Member
		for r := range roles {
			if ms[r], err = db.MemberByUser(ctx, org.ID, userID(o, r)); err != nil {
				return nil, err
			}
		}
		w.orgs = append(w.orgs, org.ID)
		w.orgStr = append(w.orgStr, org.ID.String())
		w.members = append(w.members, ms)
	}
	// A fixed pseudo-random sequence of users, each asking in its own
	// organisation, cycling through the permissions.
	rng := rand.New(rand.NewPCG(3, 3))
	w.seq = make([]request, nSeq)
	for i := range w.seq {
		o := rng.IntN(nOrgs)
		w.seq[i] = request{org: o, userOrg: o, role: rng.IntN(len(roles)), perm: access.Permission(i % nPerms)}
	}
	return w, nil
})

func setup(tb testing.TB) *world {
	tb.Helper()
	w, err := getWorld()
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// table is the full expected table in orgs: every role × permission, and
// every permission asked by each user of an organisation in the next one
// (cross-tenant: always denied).
func table(orgs ...int) []request {
	var qs []request
	for _, o := range orgs {
		for r := range roles {
			for p := range nPerms {
				qs = append(qs,
					request{org: o, userOrg: o, role: r, perm: access.Permission(p)},
					request{org: (o + 1) % nOrgs, userOrg: o, role: r, perm: access.Permission(p)})
			}
		}
	}
	return qs
}

// A checker answers whether user may do perm in the organisation w.orgs[org].
type checker func(user string, org int, perm access.Permission) (bool, error)

// verify checks check against every request's expected answer, and that the
// answers are not all alike.
func verify(tb testing.TB, name string, qs []request, check checker) {
	tb.Helper()
	allowed := 0
	for _, q := range qs {
		got, err := check(userID(q.userOrg, q.role), q.org, q.perm)
		if err != nil {
			tb.Fatalf("%s: %+v: %v", name, q, err)
		}
		if got != q.want() {
			tb.Fatalf("%s: %s asks %q in org %d: got %v, want %v", name, userID(q.userOrg, q.role), matrix[q.perm].name, q.org, got, q.want())
		}
		if got {
			allowed++
		}
	}
	if allowed == 0 || allowed == len(qs) {
		tb.Fatalf("%s: %d of %d requests allowed", name, allowed, len(qs))
	}
}

// checkHits checks that the timed loop, which made n requests of the cycle
// seq, was allowed as many of them as expected.
func checkHits(b *testing.B, seq []request, n, hits int) {
	b.Helper()
	want := 0
	for i, q := range seq {
		if q.want() {
			want += n / len(seq)
			if i < n%len(seq) {
				want++
			}
		}
	}
	if hits != want {
		b.Fatalf("%d of %d requests allowed, want %d", hits, n, want)
	}
}

// ---- roster ----

func rosterLookup(w *world) checker {
	ctx := context.Background()
	return func(user string, org int, perm access.Permission) (bool, error) {
		m, err := w.db.MemberByUser(ctx, w.orgs[org], user)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
			return false, nil // not a member of this organisation, or no user ID: nothing allowed
		}
		return m.Can(perm), err
	}
}

// rosterMember answers from the members resolved when the world was built;
// it knows only users asking in their own organisation.
func rosterMember(w *world) checker {
	return func(user string, org int, perm access.Permission) (bool, error) {
		for r := range roles {
			if userID(org, r) == user {
				return w.members[org][r].Can(perm), nil
			}
		}
		return false, fmt.Errorf("no member %q in organisation %d", user, org)
	}
}

// BenchmarkRoster/Can is the check alone on a member already resolved;
// BenchmarkRoster/MemberByUser+Can is the request path of a handler that
// needs the member's record: the memstore lookup by (organisation, user),
// then the check; BenchmarkRoster/Grant+Can that of a handler that needs
// only the answer (invite.Grant, which also admits partner members).
func BenchmarkRoster(b *testing.B) {
	w := setup(b)
	b.Run("Can", func(b *testing.B) {
		ms := make([]*store.Member, nSeq)
		perms := make([]access.Permission, nSeq)
		for i, q := range w.seq {
			ms[i], perms[i] = &w.members[q.userOrg][q.role], q.perm
		}
		verify(b, "roster Can", w.seq, rosterMember(w))
		hits, i := 0, 0
		for ; b.Loop(); i++ {
			if ms[i&(nSeq-1)].Can(perms[i&(nSeq-1)]) {
				hits++
			}
		}
		checkHits(b, w.seq, i, hits)
	})
	b.Run("MemberByUser+Can", func(b *testing.B) {
		ctx := context.Background()
		orgs, users, perms := make([]store.ID, nSeq), make([]string, nSeq), make([]access.Permission, nSeq)
		for i, q := range w.seq {
			orgs[i], users[i], perms[i] = w.orgs[q.org], userID(q.userOrg, q.role), q.perm
		}
		verify(b, "roster MemberByUser+Can", w.seq, rosterLookup(w))
		hits, i := 0, 0
		for ; b.Loop(); i++ {
			k := i & (nSeq - 1)
			m, err := w.db.MemberByUser(ctx, orgs[k], users[k])
			if err != nil {
				b.Fatal(err)
			}
			if m.Can(perms[k]) {
				hits++
			}
		}
		checkHits(b, w.seq, i, hits)
	})
	b.Run("Grant+Can", func(b *testing.B) {
		ctx := context.Background()
		orgs, users, perms := make([]store.ID, nSeq), make([]string, nSeq), make([]access.Permission, nSeq)
		for i, q := range w.seq {
			orgs[i], users[i], perms[i] = w.orgs[q.org], userID(q.userOrg, q.role), q.perm
		}
		hits, i := 0, 0
		for ; b.Loop(); i++ {
			k := i & (nSeq - 1)
			g, err := invite.Grant(ctx, w.db, orgs[k], users[k])
			if err != nil {
				b.Fatal(err)
			}
			if g.Can(perms[k]) {
				hits++
			}
		}
		checkHits(b, w.seq, i, hits)
	})
}

// ---- casbin ----

// casbinDomains is casbin's rbac_with_domains model, as its documentation and
// examples/rbac_with_domains_model.conf give it: a user's role is assigned
// per domain (organisation), and permissions are granted to a role in a
// domain, so every organisation repeats the role → permission rules.
const casbinDomains = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act
`

// casbinWildcard is the same model with the domain matched by keyMatch, as
// casbin's "RBAC with Domains" page shows, so that the role → permission
// rules are declared once for every organisation with the domain "*". Role
// assignments stay per organisation.
const casbinWildcard = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && keyMatch(r.dom, p.dom) && r.obj == p.obj && r.act == p.act
`

// objAct splits a permission name into casbin's object and action:
// "products.view" is ("products", "view").
func objAct(p access.Permission) (string, string) {
	obj, act, _ := strings.Cut(matrix[p].name, ".")
	return obj, act
}

type enforcer interface {
	Enforce(rvals ...any) (bool, error)
	AddPolicies(rules [][]string) (bool, error)
	AddGroupingPolicies(rules [][]string) (bool, error)
}

// casbinRules returns the p rules (role → permission, per organisation or
// once with the domain "*") and the g rules (user → role in an organisation).
func casbinRules(w *world, perDomain bool) (ps, gs [][]string) {
	doms := []string{"*"}
	if perDomain {
		doms = w.orgStr
	}
	for _, dom := range doms {
		for r, role := range roles {
			for p := range nPerms {
				if matrix[p].allow[r] {
					obj, act := objAct(access.Permission(p))
					ps = append(ps, []string{role, dom, obj, act})
				}
			}
		}
	}
	for o, dom := range w.orgStr {
		for r, role := range roles {
			gs = append(gs, []string{userID(o, r), role, dom})
		}
	}
	return ps, gs
}

func newCasbin(w *world, conf string, perDomain, cached bool) (enforcer, error) {
	m, err := model.NewModelFromString(conf)
	if err != nil {
		return nil, err
	}
	var e enforcer
	if cached {
		e, err = casbin.NewCachedEnforcer(m)
	} else {
		e, err = casbin.NewEnforcer(m)
	}
	if err != nil {
		return nil, err
	}
	ps, gs := casbinRules(w, perDomain)
	if _, err := e.AddPolicies(ps); err != nil {
		return nil, err
	}
	if _, err := e.AddGroupingPolicies(gs); err != nil {
		return nil, err
	}
	return e, nil
}

func casbinCheck(w *world, e enforcer) checker {
	return func(user string, org int, perm access.Permission) (bool, error) {
		obj, act := objAct(perm)
		return e.Enforce(user, w.orgStr[org], obj, act)
	}
}

// BenchmarkCasbin runs the wildcard model with casbin.NewEnforcer and
// casbin.NewCachedEnforcer, and the per-organisation model with
// casbin.NewEnforcer. The cached enforcer's cache holds every distinct
// request; its benchmark starts with the cache warm (verify fills it), so it
// measures cache hits, whose cost does not depend on the model.
func BenchmarkCasbin(b *testing.B) {
	w := setup(b)
	args := make([][]any, nSeq)
	for i, q := range w.seq {
		obj, act := objAct(q.perm)
		args[i] = []any{userID(q.userOrg, q.role), w.orgStr[q.org], obj, act}
	}
	run := func(name, conf string, perDomain, cached bool, verified []request) {
		b.Run(name, func(b *testing.B) {
			e, err := newCasbin(w, conf, perDomain, cached)
			if err != nil {
				b.Fatal(err)
			}
			verify(b, "casbin "+name, verified, casbinCheck(w, e))
			hits, i := 0, 0
			for ; b.Loop(); i++ {
				ok, err := e.Enforce(args[i&(nSeq-1)]...)
				if err != nil {
					b.Fatal(err)
				}
				if ok {
					hits++
				}
			}
			checkHits(b, w.seq, i, hits)
		})
	}
	run("wildcard/Enforcer", casbinWildcard, false, false, w.seq)
	run("wildcard/CachedEnforcer", casbinWildcard, false, true, w.seq)
	// The per-organisation model scans its 31,000 rules on every check
	// (tens of milliseconds): it is verified on the first requests of the
	// cycle only, and TestEnginesAgree checks it on the full table.
	run("domains/Enforcer", casbinDomains, true, false, w.seq[:256])
}

// ---- OPA ----

// opaPolicy answers from data.members (organisation → user → role) and
// data.roles (role → permission names).
const opaPolicy = `package roster

default allow := false

allow if {
	role := data.members[input.org][input.user]
	input.permission in data.roles[role]
}
`

func newOPA(ctx context.Context, w *world) (rego.PreparedEvalQuery, error) {
	members := make(map[string]any, nOrgs)
	for o, org := range w.orgStr {
		byUser := make(map[string]any, len(roles))
		for r, role := range roles {
			byUser[userID(o, r)] = role
		}
		members[org] = byUser
	}
	perms := make(map[string]any, len(roles))
	for r, role := range roles {
		var names []any
		for _, row := range matrix {
			if row.allow[r] {
				names = append(names, row.name)
			}
		}
		perms[role] = names
	}
	// OptReturnASTValuesOnRead keeps the data as AST values instead of
	// converting it on every read: OPA's faster option (opa run
	// --read-ast-values-from-store), about a third faster here.
	store := inmem.NewFromObjectWithOpts(map[string]any{"members": members, "roles": perms},
		inmem.OptReturnASTValuesOnRead(true))
	return rego.New(
		rego.Query("data.roster.allow"),
		rego.Module("roster.rego", opaPolicy),
		rego.Store(store),
	).PrepareForEval(ctx)
}

func opaInput(user, org string, perm access.Permission) ast.Value {
	return ast.NewObject(
		ast.Item(ast.StringTerm("user"), ast.StringTerm(user)),
		ast.Item(ast.StringTerm("org"), ast.StringTerm(org)),
		ast.Item(ast.StringTerm("permission"), ast.StringTerm(matrix[perm].name)),
	)
}

func opaCheck(ctx context.Context, w *world, pq rego.PreparedEvalQuery) checker {
	return func(user string, org int, perm access.Permission) (bool, error) {
		rs, err := pq.Eval(ctx, rego.EvalParsedInput(opaInput(user, w.orgStr[org], perm)))
		return rs.Allowed(), err
	}
}

// BenchmarkOPA evaluates the prepared query once per request, with the input
// already parsed into an AST value.
func BenchmarkOPA(b *testing.B) {
	ctx := context.Background()
	w := setup(b)
	pq, err := newOPA(ctx, w)
	if err != nil {
		b.Fatal(err)
	}
	inputs := make([]ast.Value, nSeq)
	for i, q := range w.seq {
		inputs[i] = opaInput(userID(q.userOrg, q.role), w.orgStr[q.org], q.perm)
	}
	verify(b, "OPA", w.seq, opaCheck(ctx, w, pq))
	b.Run("PreparedEval", func(b *testing.B) {
		hits, i := 0, 0
		for ; b.Loop(); i++ {
			rs, err := pq.Eval(ctx, rego.EvalParsedInput(inputs[i&(nSeq-1)]))
			if err != nil {
				b.Fatal(err)
			}
			if rs.Allowed() {
				hits++
			}
		}
		checkHits(b, w.seq, i, hits)
	})
}

// ---- agreement ----

type engine struct {
	name  string
	check checker
	qs    []request // what it is checked on
}

// TestEnginesAgree checks every engine against the full expected table (in
// every organisation, with cross-tenant requests) and the benchmark cycle,
// and that users nobody knows are denied everything.
func TestEnginesAgree(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	all := make([]int, nOrgs)
	for o := range all {
		all[o] = o
	}
	full := append(table(all...), w.seq...)
	var own []request // a resolved member answers for its own organisation
	for _, q := range full {
		if q.org == q.userOrg {
			own = append(own, q)
		}
	}
	engines := []engine{
		{"roster MemberByUser+Can", rosterLookup(w), full},
		{"roster Can", rosterMember(w), own},
	}
	for _, c := range []struct {
		name              string
		conf              string
		perDomain, cached bool
		qs                []request
	}{
		{"casbin wildcard Enforcer", casbinWildcard, false, false, full},
		{"casbin wildcard CachedEnforcer", casbinWildcard, false, true, full},
		// 31,000 rules scanned per check: the table in two organisations.
		{"casbin domains Enforcer", casbinDomains, true, false, table(0, 999)},
	} {
		e, err := newCasbin(w, c.conf, c.perDomain, c.cached)
		if err != nil {
			t.Fatal(err)
		}
		engines = append(engines, engine{c.name, casbinCheck(w, e), c.qs})
		if c.cached {
			engines = append(engines, engine{c.name + " (from its cache)", casbinCheck(w, e), c.qs})
		}
	}
	pq, err := newOPA(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	engines = append(engines, engine{"OPA", opaCheck(ctx, w, pq), full})

	for _, e := range engines {
		verify(t, e.name, e.qs, e.check)
		if e.name == "roster Can" {
			continue // there is no member to ask for an unknown user
		}
		for _, user := range []string{"nobody", "", "user-0000-owner "} {
			for p := range nPerms {
				if ok, err := e.check(user, 0, access.Permission(p)); ok || err != nil {
					t.Fatalf("%s: unknown user %q asks %q: %v, %v", e.name, user, matrix[p].name, ok, err)
				}
			}
		}
	}
}

// TestRosterPolicyIsTheMatrix checks that roster's declaration of seed 003
// answers as the matrix says for every role, independently of any member.
func TestRosterPolicyIsTheMatrix(t *testing.T) {
	p, err := access.NewPolicy(rosterSpec())
	if err != nil {
		t.Fatal(err)
	}
	for r, role := range roles {
		perms, _ := p.RolePerms(role)
		g := access.NewGrant(access.GrantSpec{Policy: p, Role: role, RolePerms: perms, Active: true})
		for perm, row := range matrix {
			if p.Name(access.Permission(perm)) != row.name {
				t.Fatalf("permission %d is %q, want %q", perm, p.Name(access.Permission(perm)), row.name)
			}
			if got := g.Can(access.Permission(perm)); got != row.allow[r] {
				t.Errorf("%s %s: got %v, want %v", role, row.name, got, row.allow[r])
			}
		}
	}
}
