package storetest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"pgregory.net/rapid"
)

// The state machine.
//
// The Machine, Differential and RandomConcurrent tests drive a small world
// (three organisations to start with, the first with a seat limit, eight
// users who join several of them, the fake clock, the suite's policy
// (internal/fixture), in one run in four with AcceptAnyEmail and
// InactiveKeysValid on) through random sequences of every operation of the
// member and invite packages (ops.go), by random actors on random targets,
// including members of other organisations, removed and inactive members,
// nil IDs, revoked keys, and rotated, used, unknown and malformed tokens.
//
// The sequential machines (Machine, Differential) compare every answer with
// a reference model (model.go and model_*.go, by record kind), written from
// DESIGN.md, the check order of package member and the doc comments, not
// from the rules' code: success, or the exact sentinel (errors.Is). After
// every step they read the store's whole state through its public read API
// and require
//   - the state the model holds: every organisation, member (role,
//     permissions, scopes, status, kind, profile, what Can and CanIn answer
//     for every permission in six scopes, which Explain must agree with),
//     API key, custom role, invitation (status, expiry, resends, current
//     token), access request and partnership; and what invite.Grant gives
//     users of partner organisations;
//   - exactly one active owner in every live organisation, no permission
//     beyond the policy's, staff plus open invitations within the seat
//     limit, one pending invitation per kind and e-mail;
//   - the events the model expects: one per organisation a success changed,
//     of its type, by its actor on its target, numbered on without gap;
//     none for a call that changes nothing, none for a refusal;
//   - a refusal changed nothing;
//   - what successes return (the member made, the key's member and grant,
//     the link's token, the audit log's length);
// and at the end of a run, each user's organisations (UserOrgs), the
// pending lists (invite.ListPending) and member filters, read by pages.
// Differential also requires the two stores' events to match field by
// field, identifiers compared by the record they name.
//
// RandomConcurrent has no model: it checks, on the final state, one active
// owner, the audit log numbered 1…n with as many events of each type as the
// successes wrote, the seats, every member's permissions as its record and
// role say, every invitation accepted at most once, no key working for a
// removed or inactive member.
//
// The sequences with which it found bugs are kept as regression tests
// (known.go, the Regressions test).
//
// # Run counts
//
// Machine and Differential make defaultRuns runs unless Options.MachineRuns
// and Options.DifferentialRuns say otherwise, each of about 30 steps after
// the setup (rapid's -rapid.steps). RandomConcurrent makes one round of
// concurrentWorkers goroutines doing concurrentOps operations each. To
// soak, set ROSTER_SOAK=N: it multiplies the runs, the concurrent rounds
// and the operations per round.
//
//	ROSTER_SOAK=50 go test ./memstore -run '^TestStore$/^Machine$' -timeout 0
//	ROSTER_SOAK=10 go test -race ./sqlstore -run '^Test(Postgres|MySQL)$/^RandomConcurrent$' -timeout 0
//
// rapid's flags apply too: -rapid.steps=N makes runs N steps long on
// average, -rapid.checks=N makes every rapid.Check N runs (so at least N
// per call; without it a call asking for fewer runs than rapid's default
// lowers the default for its duration), -rapid.seed=S replays a run. A
// failure is shrunk by rapid to a short sequence and printed one operation
// a line, with the answers of the store and of the model.

// defaultRuns is how many runs Machine and Differential make unless the
// Options say otherwise.
const defaultRuns = 100

// Workers and operations per worker of RandomConcurrent.
const (
	concurrentWorkers = 8
	concurrentOps     = 250
)

// soak returns ROSTER_SOAK, the factor every run count is multiplied by
// (1 when unset).
func soak() int {
	n, err := strconv.Atoi(os.Getenv("ROSTER_SOAK"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// rapidChecks returns how many runs one rapid.Check makes: -rapid.checks
// (100 unless set), a fifth of it under -short, as rapid counts.
func rapidChecks() int {
	n := 100
	if f := flag.Lookup("rapid.checks"); f != nil {
		if v, err := strconv.Atoi(f.Value.String()); err == nil && v > 0 {
			n = v
		}
	}
	if testing.Short() {
		n = max(1, n/5)
	}
	return n
}

// rounds runs fn, which makes one rapid.Check, often enough for runs runs
// (times the soak factor), each round in a subtest, until one fails. When
// fewer runs are asked for than one rapid.Check makes, it lowers
// -rapid.checks for the call (and restores it after): the tests of a
// package that calls it must not run in parallel.
func rounds(t *testing.T, runs int, fn func(t *testing.T)) {
	runs *= soak()
	per := rapidChecks()
	if f := flag.Lookup("rapid.checks"); f != nil && runs < per && !checksSet() {
		old := f.Value.String()
		n := runs
		if testing.Short() {
			n *= 5 // rapid divides by five again
		}
		if err := f.Value.Set(strconv.Itoa(n)); err == nil {
			defer func() { _ = f.Value.Set(old) }()
			per = runs
		}
	}
	n := max(1, (runs+per-1)/per)
	if n == 1 {
		fn(t)
		return
	}
	for i := range n {
		if !t.Run(fmt.Sprintf("round-%d", i), fn) {
			return
		}
	}
}

// checksSet reports whether the run count of rapid was set, by flag or
// environment.
func checksSet() bool {
	_, set := os.LookupEnv("RAPID_CHECKS")
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	return set
}

// testMachine runs the rapid state machine runs times against the stores f
// makes.
func testMachine(t *testing.T, f Factory, runs int) {
	checkModelPolicy(t)
	st := newStats()
	rounds(t, runs, func(t *testing.T) {
		rapid.Check(t, func(rt *rapid.T) {
			mc := newMachine(rt, t, map[string]Factory{"store": f}, drawPolicy(rt))
			mc.stats = st
			mc.setup(rapidDraw{rt})
			mc.repeat(rt)
			mc.final()
		})
	})
	st.log(t)
}

// stats counts the answers of every operation over the runs of a test,
// so that -v shows what the machine reached.
type stats struct {
	mu     sync.Mutex
	steps  int
	counts map[opKind]map[string]int
}

func newStats() *stats { return &stats{counts: map[opKind]map[string]int{}} }

func (st *stats) add(o op, err error) {
	if st == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.steps++
	if st.counts[o.kind] == nil {
		st.counts[o.kind] = map[string]int{}
	}
	st.counts[o.kind][errName(err)]++
}

func (st *stats) log(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, "%d steps; answers per operation:\n", st.steps)
	for k := range numOps {
		c := st.counts[k]
		if c == nil {
			fmt.Fprintf(&b, "  %-18s never drawn\n", k)
			continue
		}
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(c)) {
			parts = append(parts, fmt.Sprintf("%s %d", strings.TrimPrefix(name, "roster: "), c[name]))
		}
		fmt.Fprintf(&b, "  %-18s %s\n", k, strings.Join(parts, ", "))
	}
	t.Log(b.String())
}

// testDifferential runs the same random sequences runs times on two stores
// and requires the same answers and the same final state. Beyond what
// testMachine checks of each store, the events each operation writes must
// read the same on both, field by field, identifiers compared by the record
// they name.
func testDifferential(t *testing.T, a, b Factory, runs int) {
	checkModelPolicy(t)
	st := newStats()
	rounds(t, runs, func(t *testing.T) {
		rapid.Check(t, func(rt *rapid.T) {
			mc := newMachine(rt, t, map[string]Factory{"a": a, "b": b}, drawPolicy(rt))
			mc.stats = st
			mc.setup(rapidDraw{rt})
			mc.repeat(rt)
			mc.final()
		})
	})
	st.log(t)
}

type rapidDraw struct{ t *rapid.T }

func (d rapidDraw) intn(n int, label string) int { return rapid.IntRange(0, n-1).Draw(d.t, label) }

type randDraw struct{ r *rand.Rand }

func (d randDraw) intn(n int, _ string) int { return d.r.IntN(n) }

// checkModelPolicy makes sure the model's copy of the suite's policy is
// the policy's.
func checkModelPolicy(t *testing.T) {
	t.Helper()
	p := fixture.Policy()
	for name, want := range modelRoles {
		got, ok := p.RolePerms(name)
		if m, fits := mask(got); !ok || !fits || m != want {
			t.Fatalf("the model's role %q holds %#x, the policy's %v", name, want, got)
		}
	}
	if len(p.Roles()) != len(modelRoles) || p.DemoteOwnerTo().Name != demotedRole || p.InviteExpiry() != inviteExpiry ||
		p.AcceptAnyEmail() || p.InactiveKeysValid() {
		t.Fatal("the model's policy is not the suite's")
	}
	if lc, _ := mask(p.Lifecycle()); lc != mLifecycle {
		t.Fatalf("the model's lifecycle permissions are %#x, the policy's %#x", mLifecycle, lc)
	}
	if invite.MaxCodeFailures != codeFailures || invite.CodeLockout != codeLockout || invite.MaxWrongCodes != codeBudget {
		t.Fatal("the model's access code lock is not the package's")
	}
}

// machine is one run: the model and one or two stores driven alike.
type machine struct {
	t      rapid.TB
	clock  *fixture.Clock
	model  *model
	ds     []*driver
	policy *access.Policy
	steps  int
	stats  *stats
}

// drawPolicy draws whether a run turns on the policy's switches
// (access.Spec.AcceptAnyEmail and InactiveKeysValid), one run in four.
func drawPolicy(rt *rapid.T) bool { return rapid.IntRange(0, 3).Draw(rt, "lenient-policy") == 2 }

func newMachine(t rapid.TB, tt *testing.T, fs map[string]Factory, lenient bool) *machine {
	clock := fixture.NewClock()
	mc := &machine{t: t, clock: clock, model: &model{anyEmail: lenient, keysValid: lenient}, policy: fixture.Policy()}
	if lenient {
		spec := mc.policy.Spec()
		spec.AcceptAnyEmail, spec.InactiveKeysValid = true, true
		mc.policy = access.MustPolicy(spec)
		t.Logf("policy: AcceptAnyEmail, InactiveKeysValid")
	}
	for _, name := range []string{"store", "a", "b"} {
		if f, ok := fs[name]; ok {
			env := fixture.NewEnv(clock, 1)
			env.Policy = mc.policy
			mc.ds = append(mc.ds, newDriver(name, f(tt, env), clock))
		}
	}
	return mc
}

// purgeBatch is the limit of the purge that follows every step.
const purgeBatch = 3

// setup builds the starting world, through the same checked steps as the
// rest: three organisations, the first with a seat limit, a few members of
// various roles in each, and, drawn, a custom role, pending invitations, a
// partnership, an access request and an API key.
func (mc *machine) setup(d drawer) {
	g := gen{d, mc.model}
	m := mc.model
	owner := m.orgOwner
	limit := []int{5, 4, 6}[d.intn(3, "seat-limit")]
	mc.do(newOp(opCreateOrg, func(o *op) { o.name, o.seats, o.user = "Acme", limit, 0 }))
	mc.do(newOp(opCreateOrg, func(o *op) { o.name, o.user = "Beta", 1 }))
	mc.do(newOp(opCreateOrg, func(o *op) { o.name, o.user = "Gamma", 2 }))
	roles := []string{"admin", "manager", "editor", "viewer"}
	if g.likely(3, 4, "setup-role") {
		perms := g.perms("role-perms")
		mc.do(newOp(opCreateRole, func(o *op) { o.org, o.actor, o.role, o.name, o.perms = 0, owner(0), "custom1", "Custom", perms }))
		roles = append(roles, "custom1")
	}
	for org := range 3 {
		for range 1 + d.intn(4, "members") {
			user, role, allow := 3+d.intn(numUsers-3, "user"), roles[d.intn(len(roles), "role")], g.perms("allow")&g.perms("allow2")
			mc.do(newOp(opAddMember, func(o *op) { o.org, o.actor, o.user, o.role, o.allow = org, owner(org), user, role, allow }))
		}
		for range d.intn(3, "invitations") {
			user, role := d.intn(numUsers, "user"), roles[d.intn(len(roles), "role")]
			mc.do(newOp(opSend, func(o *op) { o.org, o.actor, o.user, o.role = org, owner(org), user, role }))
		}
	}
	if g.likely(3, 4, "setup-partner") {
		level, scopes := roles[d.intn(len(roles), "level")], g.scopes()
		mc.do(newOp(opInvitePartner, func(o *op) { o.org, o.actor, o.user, o.role, o.scopes = 0, owner(0), 1, level, scopes }))
		if inv := len(m.invs) - 1; inv >= 0 && m.invs[inv].partner {
			mc.do(newOp(opAcceptPartner, func(o *op) { o.inv, o.gen, o.org, o.actor = inv, 0, 1, owner(1) }))
		}
	}
	if g.likely(1, 2, "setup-request") {
		user, perms := d.intn(numUsers, "user"), g.perms("request")|pbit(fixture.ViewProducts)
		mc.do(newOp(opRequest, func(o *op) { o.org, o.user, o.perms = 1, user, perms }))
	}
	if g.likely(1, 2, "setup-key") {
		org := d.intn(3, "key-org")
		mc.do(newOp(opIssueKey, func(o *op) { o.org, o.actor, o.target, o.name = org, owner(org), owner(org), "ci" }))
	}
}

// newOp returns an operation of kind that names no record but those set.
func newOp(kind opKind, set func(o *op)) op {
	o := op{kind: kind, actor: -1, target: -1, inv: -1, gen: -1, key: -1, req: -1, part: -1}
	set(&o)
	return o
}

// repeat runs rapid's state machine over the categories of operations.
func (mc *machine) repeat(rt *rapid.T) {
	actions := map[string]func(*rapid.T){}
	for _, cat := range categories {
		actions[cat] = func(rt *rapid.T) {
			mc.t = rt
			mc.do(gen{rapidDraw{rt}, mc.model}.draw(cat))
		}
	}
	rt.Repeat(actions)
}

// do applies o to the model and to every store, and checks the answers
// and the stores' states.
func (mc *machine) do(o op) {
	t := mc.t
	t.Helper()
	mc.steps++
	now := mc.clock.Now()
	if o.kind == opTick {
		mc.stats.add(o, nil)
		mc.clock.Advance(o.dur)
		t.Logf("%3d %v", mc.steps, o)
		mc.afterTick()
		return
	}
	want := mc.model.apply(o, now)
	mc.stats.add(o, want.err)
	t.Logf("%3d %v → %s", mc.steps, o, errName(want.err))
	var texts []map[int][]string
	for _, d := range mc.ds {
		got := d.apply(o)
		if (want.err == nil) != (got.err == nil) || want.err != nil && !errors.Is(got.err, want.err) {
			t.Fatalf("step %d: %v\n%s answered %v\nthe model expects %s", mc.steps, o, d.name, got.err, errName(want.err))
		}
		if want.err == nil {
			mc.checkResult(d, o, got)
		}
		// One bounded batch of the deleted organisations' records after
		// every step: their removal interleaves with the other
		// operations, and the state checked below, with the model's,
		// shows that it removes nothing of a live organisation and
		// nothing that a read still answered.
		if n, err := d.s.Purge(d.ctx, purgeBatch); err != nil || n > purgeBatch {
			t.Fatalf("step %d: %v\n%s: a purge of %d removed %d: %v", mc.steps, o, d.name, purgeBatch, n, err)
		}
		evs, text, err := d.newEvents()
		if err != nil {
			t.Fatalf("step %d: %v\n%s: %v", mc.steps, o, d.name, err)
		}
		if err := mc.checkEvents(d, want, evs); err != nil {
			t.Fatalf("step %d: %v → %s\n%s: %v", mc.steps, o, errName(want.err), d.name, err)
		}
		texts = append(texts, text)
		state, err := d.render(mc.policy)
		if err != nil {
			t.Fatalf("step %d: %v → %s\n%s: %v\n%s", mc.steps, o, errName(want.err), d.name, err, state)
		}
		if wantState := mc.model.render(d.origin); state != wantState {
			t.Fatalf("step %d: %v → %s\n%s holds a state the model does not:\n%s", mc.steps, o, errName(want.err), d.name,
				diff(wantState, state))
		}
		if want.err != nil && !want.partial && d.prev != "" && state != d.prev {
			t.Fatalf("step %d: %v was refused (%v) but changed %s:\n%s", mc.steps, o, got.err, d.name, diff(d.prev, state))
		}
		d.prev = state
		mc.checkPartnerGrants(d)
		if want.err == nil { // a refusal changed nothing, as checked above
			mc.checkSeats(d)
		}
	}
	if len(texts) == 2 {
		for org := range max(len(texts[0]), len(texts[1])) {
			if a, b := strings.Join(texts[0][org], "\n"), strings.Join(texts[1][org], "\n"); a != b {
				t.Fatalf("step %d: %v: the stores wrote different events in O%d:\n%s: %s\n%s: %s", mc.steps, o, org,
					mc.ds[0].name, a, mc.ds[1].name, b)
			}
		}
	}
}

// afterTick: the time moved on, and with it what ended; every store reads
// what the model holds at the new time (the ends that came, without a
// write), which is the state a refusal is then compared with.
func (mc *machine) afterTick() {
	mc.model.now = mc.clock.Now()
	for _, d := range mc.ds {
		state, err := d.render(mc.policy)
		if err != nil {
			mc.t.Fatalf("step %d: after the clock moved, %s: %v\n%s", mc.steps, d.name, err, state)
		}
		if want := mc.model.render(d.origin); state != want {
			mc.t.Fatalf("step %d: after the clock moved, %s holds a state the model does not:\n%s", mc.steps, d.name, diff(want, state))
		}
		d.prev = state
		mc.checkPartnerGrants(d)
		mc.checkSeats(d)
	}
}

// checkSeats: every live organisation's seats, as the store keeps them
// (Tx.Seats, counters on sqlstore), are the model's full recount of its
// staff and open invitations at the unit of work's time; after every
// success and every move of the clock.
func (mc *machine) checkSeats(d *driver) {
	for oi, o := range mc.model.orgs {
		if !o.live {
			continue
		}
		var got, want int
		err := d.s.Update(d.ctx, d.orgs[oi], func(tx store.Tx) error {
			var err error
			got, err = tx.Seats(d.ctx)
			want = mc.model.taken(oi, tx.Now())
			return err
		})
		if err != nil || got != want {
			mc.t.Fatalf("step %d: %s: O%d holds %d seats, the model counts %d: %v", mc.steps, d.name, oi, got, want, err)
		}
	}
}

// checkEvents: a success wrote exactly the events the model expects, one
// per organisation it changed and none when it changed nothing, each
// attributed to the member that acted and the member acted on; a refusal
// wrote none.
func (mc *machine) checkEvents(d *driver, want outcome, got map[int][]store.Event) error {
	exp := map[int][]string{}
	for _, e := range want.events {
		exp[e.org] = append(exp[e.org], fmt.Sprintf("%s by %s on %s", e.typ, handleName("M", e.actor), handleName("M", e.target)))
	}
	for org, evs := range got {
		var have []string
		for _, e := range evs {
			by := strings.Replace(d.idName(e.Actor.Member), "-", "nil", 1)
			if e.Actor.System != "" {
				by = "system:" + e.Actor.System
			}
			have = append(have, fmt.Sprintf("%s by %s on %s", e.Type, by, strings.Replace(d.idName(e.Target.Member), "-", "nil", 1)))
		}
		if fmt.Sprint(have) != fmt.Sprint(exp[org]) {
			return fmt.Errorf("O%d: wrote events %v, the model expects %v", org, have, exp[org])
		}
	}
	return nil
}

// checkResult checks what a successful operation returned.
func (mc *machine) checkResult(d *driver, o op, got res) {
	t, m := mc.t, mc.model
	t.Helper()
	fail := func(format string, args ...any) {
		t.Fatalf("step %d: %v\n%s: %s", mc.steps, o, d.name, fmt.Sprintf(format, args...))
	}
	switch o.kind {
	case opAddMember, opAccept, opApprove, opChangeRole, opSetPerms, opSetScopes, opProfile, opDeactivate, opReactivate, opSetExpiry:
		var x *mMember
		switch o.kind {
		case opAddMember, opAccept:
			x = m.members[len(m.members)-1]
		case opApprove:
			x = m.members[m.reqs[o.req].member]
		default:
			x = m.members[o.target]
		}
		if name := d.idName(got.m.ID); name != fmt.Sprintf("M%d", x.h) {
			fail("returned member %s, the model expects M%d", name, x.h)
		}
		if eff, _ := mask(effective(got.m.Grant())); eff != m.eff(x) || got.m.Role != x.role {
			fail("returned member with role %q and permissions %#x, the model expects %q and %#x", got.m.Role, eff, x.role, m.eff(x))
		}
	case opAuthenticate:
		k := m.keys[o.key]
		x := m.members[k.member]
		if name := d.idName(got.m.ID); name != fmt.Sprintf("M%d", x.h) {
			fail("the key authenticated %s, the model expects M%d", name, x.h)
		}
		want := m.keyHeld(k)
		if m.expired(x) {
			want = 0 // a key stops with its member's access
		}
		if eff, _ := mask(effective(got.m.Grant())); eff != want || got.m.Grant().Source() != access.FromKey {
			fail("the key carries %#x from %v, the model expects %#x from a key", eff, got.m.Grant().Source(), want)
		}
	case opCopyLink:
		if tok := d.token(o.inv, m.invs[o.inv].gens-1); !strings.Contains(got.link, tok) {
			fail("the link %q does not carry the current token", got.link)
		}
	case opAuditLog:
		if want := min(m.orgs[o.org].events, store.MaxPageSize); got.events != want {
			fail("the audit log holds %d events, the model %d", got.events, want)
		}
	}
}

// final checks, at the end of a run, the reads the steps do not use: each
// user's organisations, the pending lists, member filters and pages.
func (mc *machine) final() {
	m := mc.model
	now := mc.clock.Now()
	var want []string
	for u := range numUsers {
		var orgs []string
		for org := range m.orgs {
			if x := m.byUser(org, userID(u)); x != nil && m.live(org) {
				orgs = append(orgs, fmt.Sprintf("O%d:M%d", org, x.h))
			}
		}
		want = append(want, fmt.Sprintf("%s in %v", userID(u), orgs))
	}
	for org := range m.orgs {
		var pending, inactive, external, editors []string
		for i, inv := range m.invs {
			if inv.org == org && m.live(org) && inv.status == store.Pending { // people's and partners'
				pending = append(pending, fmt.Sprintf("I%d expired=%v", i, !inv.open(now)))
			}
		}
		for _, x := range m.members {
			if !x.live || x.org != org {
				continue
			}
			if !x.active {
				inactive = append(inactive, handleName("M", x.h))
			}
			if x.external {
				external = append(external, handleName("M", x.h))
			}
			if x.role == "editor" {
				editors = append(editors, handleName("M", x.h))
			}
		}
		want = append(want, fmt.Sprintf("O%d pending %v inactive %v external %v editors %v", org, pending, inactive, external, editors))
	}
	for _, d := range mc.ds {
		got, err := d.reads()
		if err != nil {
			mc.t.Fatalf("after step %d: %s: %v", mc.steps, d.name, err)
		}
		if a, b := strings.Join(want, "\n"), strings.Join(got, "\n"); a != b {
			mc.t.Fatalf("after step %d: %s reads what the model does not:\n%s", mc.steps, d.name, diff(a, b))
		}
	}
	mc.finalErase()
}

// finalErase erases (member.Erase), on every store, the first user who was
// a member and is a member of no organisation at the end of the run, after
// whatever the run did (one user: an erasure reads the whole feed): it
// must succeed, leave the user's ID in no event, invitation or
// request of a live organisation, and, with two stores, leave their audit
// logs alike, event by event.
func (mc *machine) finalErase() {
	m := mc.model
	sys := member.AsSystem(context.Background(), "privacy")
	for u := range numUsers {
		user := userID(u)
		was := slices.ContainsFunc(m.members, func(x *mMember) bool { return x.userID == user })
		if m.memberSomewhere(user) || !was {
			continue // a member, or one with nothing to erase
		}
		var logs []string
		for _, d := range mc.ds {
			if _, err := member.Erase(sys, d.s, user); err != nil {
				mc.t.Fatalf("after step %d: %s: erasing %s: %v", mc.steps, d.name, user, err)
			}
			log, err := d.traces(user)
			if err != nil {
				mc.t.Fatalf("after step %d: %s: erasing %s: %v", mc.steps, d.name, user, err)
			}
			logs = append(logs, log)
		}
		if len(logs) == 2 && logs[0] != logs[1] {
			mc.t.Fatalf("after step %d: erasing %s, the stores' audit logs differ:\n%s", mc.steps, user, diff(logs[0], logs[1]))
		}
		return
	}
}

// checkPartnerGrants: what a user who is no member of an organisation may
// do there through a partnership (invite.Grant) is what the model says,
// for every organisation that grants one.
func (mc *machine) checkPartnerGrants(d *driver) {
	m := mc.model
	for org := range m.orgs {
		grants := false
		for _, p := range m.parts {
			grants = grants || p.live && p.org == org
		}
		if !grants || !m.live(org) {
			continue
		}
		for u := range numUsers {
			// Only a member of some organisation may hold a grant
			// through a partnership; the others cost a query each.
			if m.byUser(org, userID(u)) != nil || !m.memberSomewhere(userID(u)) {
				continue
			}
			perms, scopes, ok := m.partnerGrant(org, userID(u))
			g, err := invite.Grant(d.ctx, d.s, d.orgID(org), userID(u))
			if !ok {
				if !errors.Is(err, store.ErrNotFound) {
					mc.t.Fatalf("step %d: %s: %s has %v in O%d through a partnership, the model expects none", mc.steps, d.name, userID(u), err, org)
				}
				continue
			}
			if err != nil {
				mc.t.Fatalf("step %d: %s: invite.Grant(O%d, %s): %v", mc.steps, d.name, org, userID(u), err)
			}
			want := canLine(-1, func(p access.Permission, sc ...string) bool {
				return perms&pbit(p) != 0 && (len(sc) == 0 && scopes == 0 || len(sc) > 0 && scopeAllows(scopes, sc[0]))
			})
			if got := canLine(-1, g.CanIn); got != want || g.Source() != access.FromPartner {
				mc.t.Fatalf("step %d: %s: %s may do %s in O%d through a partnership (%v), the model says %s", mc.steps, d.name,
					userID(u), got, org, g.Source(), want)
			}
		}
	}
}

// diff shows how got differs from want, line by line ("-" want, "+" got),
// with the whole of got after.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	// lcs[i][j]: the longest common subsequence of w[i:] and g[j:].
	lcs := make([][]int, len(w)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(g)+1)
	}
	for i := len(w) - 1; i >= 0; i-- {
		for j := len(g) - 1; j >= 0; j-- {
			if w[i] == g[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	i, j := 0, 0
	for i < len(w) || j < len(g) {
		switch {
		case i < len(w) && j < len(g) && w[i] == g[j]:
			i, j = i+1, j+1
		case j < len(g) && (i == len(w) || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&b, "+ %s\n", g[j])
			j++
		default:
			fmt.Fprintf(&b, "- %s\n", w[i])
			i++
		}
	}
	return b.String() + "\nstore state:\n" + got
}

// testRandomConcurrent runs random operations from many goroutines, then
// checks every invariant on the final state.
func testRandomConcurrent(t *testing.T, f Factory) {
	for r := range soak() {
		t.Run(fmt.Sprintf("round-%d", r), func(t *testing.T) { randomConcurrent(t, f, uint64(r)) })
	}
}

// tally counts, per organisation and event type, the events the successful
// operations must have written (exact) and may have written (up to).
type tally struct {
	mu      sync.Mutex
	exact   map[int]map[store.EventType]int
	upTo    map[int]map[store.EventType]int
	accepts map[int]int // successful accepts per invitation
}

func (tl *tally) add(o op, r res) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	for _, e := range r.evs {
		for _, m := range []map[int]map[store.EventType]int{tl.exact, tl.upTo} {
			if m[e.org] == nil {
				m[e.org] = map[store.EventType]int{}
			}
		}
		if !r.noop {
			tl.exact[e.org][e.typ]++
		}
		tl.upTo[e.org][e.typ]++
	}
	if o.kind == opAccept || o.kind == opAcceptPartner {
		tl.accepts[o.inv]++
	}
}

func randomConcurrent(t *testing.T, f Factory, seed uint64) {
	checkModelPolicy(t)
	clock := fixture.NewClock()
	d := newDriver("store", f(t, fixture.NewEnv(clock, seed+1)), clock)
	tl := &tally{exact: map[int]map[store.EventType]int{}, upTo: map[int]map[store.EventType]int{}, accepts: map[int]int{}}
	must := func(o op) {
		r := d.apply(o)
		if r.err != nil {
			t.Fatalf("setup: %v: %v", o, r.err)
		}
		tl.add(o, r)
	}
	// The world: three organisations, the first with a seat limit; members
	// of every role; a custom role; pending invitations; a partnership and
	// a pending partner invitation; an access request; keys.
	must(newOp(opCreateOrg, func(o *op) { o.name, o.seats, o.user = "Acme", 8, 0 }))
	must(newOp(opCreateOrg, func(o *op) { o.name, o.user = "Beta", 1 }))
	must(newOp(opCreateOrg, func(o *op) { o.name, o.user = "Gamma", 2 }))
	owner := func(org int) int { return d.orgOwner(org) }
	must(newOp(opCreateRole, func(o *op) {
		o.org, o.actor, o.role, o.name, o.perms = 0, owner(0), "custom1", "Custom", maskOf(fixture.ViewProducts, fixture.EditProducts)
	}))
	for org := range 3 {
		for i, role := range []string{"admin", "manager", "editor", "viewer"} {
			must(newOp(opAddMember, func(o *op) { o.org, o.actor, o.user, o.role = org, owner(org), 3+(org+i)%5, role }))
		}
		for i, user := range [][]int{{7, 2}, {3, 0}, {4, 0}}[org] {
			must(newOp(opSend, func(o *op) { o.org, o.actor, o.user, o.role = org, owner(org), user, roleChoices[i] }))
		}
	}
	must(newOp(opInvitePartner, func(o *op) { o.org, o.actor, o.user, o.role = 0, owner(0), 1, "editor" }))
	must(newOp(opAcceptPartner, func(o *op) { o.inv, o.gen, o.org, o.actor = d.numInvs()-1, 0, 1, owner(1) }))
	must(newOp(opInvitePartner, func(o *op) { o.org, o.actor, o.user, o.role = 1, owner(1), 2, "viewer" }))
	must(newOp(opRequest, func(o *op) { o.org, o.user, o.perms = 1, 2, maskOf(fixture.ViewProducts, fixture.EditProducts) }))
	for org := range 3 {
		must(newOp(opIssueKey, func(o *op) { o.org, o.actor, o.target, o.name = org, owner(org), owner(org), "ci" }))
	}
	st := newStats()
	var wg sync.WaitGroup
	for w := range concurrentWorkers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			g := gen{randDraw{r}, d}
			for range concurrentOps * soak() {
				o := g.draw(categories[r.IntN(len(categories))])
				if o.kind == opDeleteOrg || o.kind == opCreateOrg || o.kind == opTick && o.dur > time.Hour ||
					o.kind == opChangeEmail || o.kind == opDeprovision {
					// Keep the world, and its invitations, alive; and leave
					// out the operations across organisations, whose events
					// the sequential machines check against the model.
					continue
				}
				if o.kind == opSetExpiry || o.kind == opExpireDue || o.kind == opAddMember && o.dur != 0 {
					continue // no ends: an end's record is an event no operation's kind says
				}
				if o.kind == opSetSeats && o.seats == 0 {
					o.seats = 8 // keep a seat limit to race for
				}
				res := d.apply(o)
				st.add(o, res.err)
				switch {
				case res.err == nil:
					tl.add(o, res)
				case !isSentinel(res.err):
					t.Errorf("%v: %v", o, res.err)
				}
			}
		})
	}
	wg.Wait()
	st.log(t)
	d.checkFinal(t, tl)
}

func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// checkFinal checks every invariant on the final state of a concurrent
// run: one active owner per organisation, every member's permissions as
// its record and role say and within the policy, the seats, one pending
// invitation per kind and e-mail (render); the audit log numbered 1…n
// with one event per change; every invitation accepted at most once; no
// key of a removed or inactive member working.
func (d *driver) checkFinal(t *testing.T, tl *tally) {
	t.Helper()
	state, err := d.render(fixture.Policy())
	if err != nil {
		t.Fatalf("%v\n%s", err, state)
	}
	for oi, id := range d.orgs {
		var all []store.Event
		for {
			evs, err := d.s.Events(d.ctx, id, int64(len(all)), store.MaxPageSize)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				break
			}
			all = append(all, evs...)
		}
		count := map[store.EventType]int{}
		accepted := map[store.ID]int{}
		for i, e := range all {
			if e.Seq != int64(i+1) || e.Org != id {
				t.Fatalf("O%d: event %d has seq %d, org %v: the log has a gap, a duplicate or a stranger", oi, i+1, e.Seq, e.Org)
			}
			count[e.Type]++
			if e.Type == store.InvitationAccepted || e.Type == store.PartnerAccepted {
				accepted[e.Object]++
			}
		}
		for typ := range tl.upTo[oi] {
			if n := count[typ]; n < tl.exact[oi][typ] || n > tl.upTo[oi][typ] {
				t.Errorf("O%d: %d %s events for %d to %d successful operations", oi, n, typ, tl.exact[oi][typ], tl.upTo[oi][typ])
			}
		}
		for typ, n := range count {
			if _, ok := tl.upTo[oi][typ]; !ok {
				t.Errorf("O%d: %d %s events, and no operation wrote one", oi, n, typ)
			}
		}
		for obj, n := range accepted {
			if n > 1 {
				t.Errorf("O%d: invitation %s accepted %d times", oi, d.idName(obj), n)
			}
		}
		roles, err := readAll(2, func(p store.Page) ([]store.Role, string, error) { return d.s.Roles(d.ctx, id, p) })
		if err != nil {
			t.Fatal(err)
		}
		perms := map[string]pmask{}
		for _, r := range roles {
			perms[r.Name], _ = mask(r.Perms)
		}
		ms, _, err := d.s.Members(d.ctx, id, store.Filter{}, store.Page{Limit: store.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			held := heldOf(&m, perms)
			eff := held
			if m.Status != store.Active {
				eff = 0
			}
			gh, _ := mask(m.Grant().Held())
			ge, _ := mask(effective(m.Grant()))
			if gh != held || ge != eff {
				t.Errorf("O%d: member %s (%s %v) holds %#x, may %#x; its record says %#x, %#x", oi, d.idName(m.ID), m.Role, m.Status, gh, ge, held, eff)
			}
		}
	}
	for inv, n := range tl.accepts {
		if n > 1 {
			t.Errorf("invitation I%d was accepted %d times", inv, n)
		}
	}
	for k := range d.secrets {
		m, key, err := member.Authenticate(d.ctx, d.s, d.secrets[k])
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, member.ErrInactive) && !errors.Is(err, member.ErrKeyExpired) {
				t.Errorf("key K%d: %v", k, err)
			}
			continue
		}
		cur, err := d.s.Member(d.ctx, m.Org, m.ID)
		if err != nil || cur.Status != store.Active {
			t.Errorf("key K%d works for %s, which is %v (%v)", k, d.idName(m.ID), cur.Status, err)
		}
		// A key holds no more than its member, nor than its subset.
		if held := m.Grant().Held(); !held.SubsetOf(cur.Grant().Held()) || !key.Perms.IsEmpty() && !held.SubsetOf(key.Perms) {
			t.Errorf("key K%d holds %v; its member %v, its subset %v", k, held, cur.Grant().Held(), key.Perms)
		}
	}
	t.Logf("%d organisations, %d members, %d invitations, %d keys, %d partnerships after %d operations",
		len(d.orgs), len(d.members), len(d.invs), len(d.keys), len(d.parts), concurrentWorkers*concurrentOps*soak())
}
