package rule

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/store"
)

// The steps below are how every rule starts, in member and in invite alike,
// so that their refusals are the same. A rule checks, in this order (package
// member documents it for hosts), and returns the first refusal:
//
//  1. its input (ErrInvalid);
//  2. the actor: a member of the organisation (ErrNotFound) and active
//     (ErrInactive);
//  3. the gate: the actor holds the permission that gates the action, or is
//     the owner (ErrForbidden);
//  4. the target: a member of the organisation (ErrNotFound), not the actor
//     (ErrSelf), not the owner (ErrOwnerProtected), and holding no
//     permission or scope beyond the actor's (ErrEscalation);
//  5. what is granted: no permission or scope beyond the actor's
//     (ErrEscalation);
//  6. the rest of the rule (ErrSeatLimit, ErrAlreadyMember, ErrInUse, …).

// LoadActor loads the member acting in the unit of work: ErrNotFound if it is
// not a member of the organisation, ErrInactive if it is inactive or its
// access has ended (Member.Until) by the unit of work's time. An ID
// that is no member's but one of the organisation's service keys loads the
// key's principal (store.ServiceKeyMember), unless the key has expired
// (ErrKeyExpired).
//
// Under a system context (WithSystem) the actor is the system principal:
// id must be the zero ID, and the actor returned is store.SystemMember,
// with the owner's reach and no record. The steps below treat it as the
// owner, whom it never is: LoadTarget still refuses the owner as a target.
func LoadActor(ctx context.Context, tx store.Tx, id store.ID) (store.Member, error) {
	if err := CheckActor(ctx, id); err != nil {
		return store.Member{}, err
	}
	if name, ok := SystemOf(ctx); ok {
		o, err := tx.Org(ctx)
		if err != nil {
			return store.Member{}, err
		}
		return store.SystemMember(tx.Env().Policy, o.ID, name), nil
	}
	if n, ok := tx.(store.ActorNoter); ok {
		n.NoteActor(id)
	}
	a, err := tx.Member(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		// An organisation's service key acts in its own name.
		if k, kerr := tx.Key(ctx, id); kerr == nil && k.Service() {
			if k.Expired(tx.Now()) {
				return store.Member{}, fmt.Errorf("%w: actor %v", ErrKeyExpired, id)
			}
			return store.ServiceKeyMember(tx.Env().Policy, k), nil
		}
	}
	if err != nil {
		return store.Member{}, fmt.Errorf("actor %v: %w", id, err)
	}
	if a.Status != store.Active {
		return store.Member{}, fmt.Errorf("%w: actor %v cannot act", ErrInactive, id)
	}
	if a.Expired(tx.Now()) {
		return store.Member{}, fmt.Errorf("%w: actor %v's access ended at %v", ErrInactive, id, a.Until.Format(time.RFC3339))
	}
	return a, nil
}

// GatedActor loads the actor, as LoadActor, and checks that it may take
// action a, as Gate: steps 2 and 3 of every rule.
func GatedActor(ctx context.Context, tx store.Tx, id store.ID, a access.Action) (store.Member, error) {
	m, err := LoadActor(ctx, tx, id)
	if err != nil {
		return store.Member{}, err
	}
	return m, Gate(&m, a)
}

// Gate refuses with ErrForbidden unless the actor may take action a: it is
// the owner, or holds the permission the policy gates a with.
func Gate(actor *store.Member, a access.Action) error {
	if d := actor.ExplainDo(a); !d.Allowed {
		return fmt.Errorf("%w: %s", ErrForbidden, strings.TrimPrefix(d.String(), "denied: "))
	}
	return nil
}

// LoadTarget loads the member acted on and applies rule 4: ErrNotFound,
// ErrSelf when it is the actor, ErrOwnerProtected when it is the owner, and
// ErrEscalation when it holds more than the actor. A target whose access
// has ended without the end being recorded gets it recorded (RecordEnd),
// before the rule's own change: the end is in the log before whatever
// follows it.
func LoadTarget(ctx context.Context, tx store.Tx, actor *store.Member, id store.ID) (store.Member, error) {
	if err := CheckID("target", id); err != nil {
		return store.Member{}, err
	}
	t, err := tx.Member(ctx, id)
	if err != nil {
		return store.Member{}, fmt.Errorf("target %v: %w", id, err)
	}
	if t.ID == actor.ID {
		return store.Member{}, fmt.Errorf("%w: act on another member, or leave", ErrSelf)
	}
	if t.IsOwner() {
		if actor.System() != "" {
			return store.Member{}, fmt.Errorf("%w: only an ownership transfer changes the owner (the system: TransferOwnership, or RemoveOwner with a successor)", ErrOwnerProtected)
		}
		return store.Member{}, fmt.Errorf("%w: only an ownership transfer changes the owner", ErrOwnerProtected)
	}
	if err := Covers(actor, &t); err != nil {
		return store.Member{}, err
	}
	if err := RecordEnd(ctx, tx, &t); err != nil {
		return store.Member{}, err
	}
	return t, nil
}

// Covers refuses with ErrEscalation unless the actor holds every permission
// and scope that target holds (equal is fine); the owner covers everyone.
func Covers(actor, target *store.Member) error {
	return CanGrant(actor, target.Grant().Held(), target.Scopes)
}

// CanGrant refuses with ErrEscalation unless the actor holds every
// permission in perms and every scope in scopes.
func CanGrant(actor *store.Member, perms access.Set, scopes access.Scopes) error {
	if actor.IsOwner() {
		return nil
	}
	held := actor.Grant().Held()
	if extra := perms.Difference(held); !extra.IsEmpty() {
		names, _ := actor.Grant().Policy().Names(extra.Intersect(actor.Grant().Policy().All()))
		return fmt.Errorf("%w: the actor does not hold %v", ErrEscalation, names)
	}
	if !scopes.SubsetOf(actor.Scopes) {
		return fmt.Errorf("%w: scopes %v reach beyond the actor's %v", ErrEscalation, scopes, actor.Scopes)
	}
	return nil
}

// ResolveIn resolves m in tx: its role must be the policy's or one of the
// organisation's custom roles (ErrInvalid otherwise), and external
// collaborators must have none. The grant is settled at the unit of work's
// time (store.Member.At).
func ResolveIn(ctx context.Context, tx store.Tx, m *store.Member) error {
	p := tx.Env().Policy
	if m.Kind == store.External {
		if m.Role != "" {
			return fmt.Errorf("%w: an external collaborator has no role", store.ErrInvalid)
		}
		store.Resolve(p, m, access.Set{})
		m.At(tx.Now())
		return nil
	}
	if _, ok := p.RolePerms(m.Role); ok {
		store.Resolve(p, m, access.Set{})
		m.At(tx.Now())
		return nil
	}
	if m.Role == "" {
		return fmt.Errorf("%w: a member needs a role", store.ErrInvalid)
	}
	if err := CheckRoleName(m.Role); err != nil {
		return err
	}
	r, err := tx.Role(ctx, m.Role)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w: %q", store.ErrInvalid, access.ErrUnknownRole, m.Role)
	}
	if err != nil {
		return err
	}
	store.Resolve(p, m, r.Perms)
	m.At(tx.Now())
	return nil
}

// Snapshot is what an audit event records of a member.
func Snapshot(p *access.Policy, m *store.Member) store.State {
	names := func(s access.Set) []string {
		n, _ := p.Names(s.Intersect(p.All()))
		if len(n) == 0 {
			return nil
		}
		return n
	}
	return store.State{
		Role:    m.Role,
		Status:  m.Status.String(),
		Allow:   names(m.Allow),
		Deny:    names(m.Deny),
		Scopes:  m.Scopes.Strings(),
		Profile: m.Profile.Map(),
		Name:    m.Name,
		Until:   m.Until,
	}
}

// Emit completes e (ID, organisation, time) and appends it to the audit log
// of the unit of work.
func Emit(ctx context.Context, tx store.Tx, e store.Event) error {
	o, err := tx.Org(ctx)
	if err != nil {
		return err
	}
	if e.ID, err = tx.Env().NewID(); err != nil {
		return err
	}
	e.Org = o.ID
	if e.Time.IsZero() {
		e.Time = tx.Now()
	}
	return tx.Append(ctx, &e)
}

// CheckProfile refuses, with ErrInvalid, profile fields that the policy p
// does not allow for role: the rule behind AddMember and SetProfile, for
// the other packages that give a member a profile (invite, for the profile
// an invitation carries).
func CheckProfile(p *access.Policy, role string, prof store.Profile) error {
	for k := range prof.All() {
		if !p.FieldAllowed(role, k) {
			return fmt.Errorf("%w: profile field %q is not allowed for role %q", store.ErrInvalid, k, role)
		}
	}
	return nil
}

// KeepFields drops the profile fields that role does not allow.
func KeepFields(p *access.Policy, role string, prof store.Profile) store.Profile {
	return prof.Keep(func(k string) bool { return p.FieldAllowed(role, k) })
}

// Update runs fn in a unit of work on org and returns its result: the one
// helper behind every rule's plain form, which opens its own unit of work
// and calls the rule's Tx form in it.
func Update[T any](ctx context.Context, s store.Store, org store.ID, fn func(store.Tx) (T, error)) (T, error) {
	var out T
	if err := CheckID("organisation", org); err != nil {
		return out, Refuse(ctx, s.Env(), err)
	}
	err := s.Update(ctx, org, func(tx store.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// named returns ctx naming the rule that runs under it (store.WithRule):
// the first exported function of package member or invite on the stack,
// such as "member.ChangeRole", or none for a unit of work the host opened
// itself. A rule named already stays.
func named(ctx context.Context) context.Context {
	if store.RuleOf(ctx) != "" {
		return ctx
	}
	var pcs [24]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs[:])])
	for {
		f, more := frames.Next()
		name := f.Function[strings.LastIndexByte(f.Function, '/')+1:]
		pkg, fn, _ := strings.Cut(name, ".")
		if (pkg == "member" || pkg == "invite") && fn != "" && !strings.Contains(fn, ".") && unicode.IsUpper(rune(fn[0])) {
			return store.WithRule(ctx, name)
		}
		if !more {
			return ctx
		}
	}
}

// Observe is how a store reports a unit of work on orgs to its Observer,
// called where the unit of work begins. It returns ctx naming the rule that
// runs it (found on the stack, see named), for the unit of work to run
// under so that a SQL store's statements carry the name; the record, which
// the unit of work's Txs fill in (the actor, the events); and the step that
// ends it, telling the Observer with the unit of work's error and
// returning that error. Without an Observer it returns ctx as it is, a nil
// record and a step that only returns the error, and costs nothing.
//
// With Env.OnRefusal set it does the same, and tells the hook of a unit of
// work that ends refused.
func Observe(ctx context.Context, env *store.Env, orgs ...store.ID) (context.Context, *store.Unit, func(error) error) {
	obs, hook := env.Observer, env.OnRefusal
	if obs == nil && hook == nil {
		return ctx, nil, func(err error) error { return err }
	}
	start := time.Now()
	ctx = named(ctx)
	u := &store.Unit{Rule: store.RuleOf(ctx), Orgs: slices.Clone(orgs)}
	u.System, _ = SystemOf(ctx)
	return ctx, u, func(err error) error {
		u.Duration, u.Err = time.Since(start), err
		if err != nil {
			u.Events = nil
		}
		if obs != nil {
			obs.Unit(ctx, *u)
		}
		if hook != nil && u.Refused() {
			hook(ctx, store.RefusalOf(*u))
		}
		return err
	}
}

// Refuse tells env's OnRefusal of err, a refusal of a rule on org before
// any unit of work began (a malformed organisation ID, a malformed
// token), and returns err.
func Refuse(ctx context.Context, env *store.Env, err error, orgs ...store.ID) error {
	if env == nil || env.OnRefusal == nil {
		return err
	}
	u := store.Unit{Rule: store.RuleOf(named(ctx)), Orgs: slices.Clone(orgs), Err: err}
	if u.Refused() {
		env.OnRefusal(ctx, store.RefusalOf(u))
	}
	return err
}
