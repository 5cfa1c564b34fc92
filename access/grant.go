package access

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A Source says where a Grant comes from.
type Source uint8

// The sources of a Grant.
const (
	FromMember       Source = iota // a member of the organisation, through its role
	FromCollaborator               // an external collaborator, through approved permissions
	FromPartner                    // a member of a partner organisation, through the partnership
	FromKey                        // an API key of a member
	FromServiceKey                 // an organisation's service key, which belongs to no member
)

func (s Source) String() string {
	switch s {
	case FromMember:
		return "member"
	case FromCollaborator:
		return "collaborator"
	case FromPartner:
		return "partner"
	case FromKey:
		return "key"
	case FromServiceKey:
		return "service key"
	}
	return "source(" + strconv.Itoa(int(s)) + ")"
}

// GrantSpec is what a Grant is resolved from. The member and invite packages
// build it from stored records; hosts rarely need it.
type GrantSpec struct {
	Policy    *Policy
	Source    Source
	Role      string // role name; the policy's owner role holds every permission
	RolePerms Set    // the role's permissions (a custom role's, or the policy's)
	Allow     Set    // added individually
	Deny      Set    // withdrawn individually; withdrawal wins over Allow (see Set.Overlaps)
	Scopes    Scopes // where the permissions apply; zero means everywhere
	Active    bool   // false: the grant allows nothing
	Suspended bool   // the partnership it comes through is suspended: it allows nothing
	Via       string // for explanations: the partnership or key it comes through
	// Until, if set, is when the grant ends: from then on At returns a
	// grant that allows nothing (a member's or a partnership's end).
	Until time.Time
}

// A Grant is what one principal may do in one organisation, resolved when the
// principal is loaded: the role's permissions, plus those added individually,
// minus those withdrawn, and nothing at all while inactive. It is an
// immutable value, small enough to copy: the set Can tests, the scopes, and
// a pointer to what CanIn, CanDo and Explain need. A change to the member
// takes effect when it is loaded again.
//
// A grant limited by Scopes fails closed: Can answers false for every
// permission its scopes limit, for only CanIn knows where the request acts.
//
// The zero Grant allows nothing.
type Grant struct {
	eff    Set // what Can tests: in force and not limited by the scopes
	scopes Scopes
	why    *grantInfo // nil for the zero Grant
}

// grantInfo is what a Grant keeps for CanIn, CanDo, Explain and the
// escalation rule.
type grantInfo struct {
	held      Set // what the principal holds when active
	act       Set // what is in force: held when active, else empty
	limited   Set // what the scopes limit: CanIn alone may allow it
	role      Set
	allow     Set
	deny      Set
	policy    *Policy
	name      string
	via       string
	source    Source
	active    bool
	owner     bool
	suspended bool
	ended     bool      // At found the grant past its end: it allows nothing
	until     time.Time // when the grant ends; zero for never
	narrowed  bool      // Within narrowed the grant: keyless holds what was cut
	keyless   Set       // what the principal holds that the key does not carry
}

// NewGrant resolves spec into a Grant.
func NewGrant(spec GrantSpec) Grant {
	if spec.Policy == nil {
		return Grant{}
	}
	info := &grantInfo{
		role:      spec.RolePerms,
		allow:     spec.Allow,
		deny:      spec.Deny,
		policy:    spec.Policy,
		name:      spec.Role,
		via:       spec.Via,
		source:    spec.Source,
		active:    spec.Active && !spec.Suspended,
		suspended: spec.Suspended,
		until:     spec.Until,
	}
	g := Grant{scopes: spec.Scopes, why: info}
	if spec.Source != FromPartner && spec.Policy.IsOwner(spec.Role) {
		info.owner = true
		info.role = spec.Policy.All()
		info.held = info.role
		g.scopes = Scopes{}
	} else {
		info.held = spec.RolePerms.Union(spec.Allow).Difference(spec.Deny).Intersect(spec.Policy.All())
	}
	info.limited = scopeLimited(spec.Policy, g.scopes)
	g.settle()
	return g
}

// scopeLimited returns the permissions that scopes limit under policy. The
// policy does not say which permissions apply everywhere, so scopes limit
// every permission, and an unlimited grant (zero scopes) none.
func scopeLimited(policy *Policy, scopes Scopes) Set {
	if scopes.IsZero() {
		return Set{}
	}
	return policy.All()
}

// settle derives what is in force, and the set Can tests, from g.why.
func (g *Grant) settle() {
	i := g.why
	i.act = Set{}
	if i.active {
		i.act = i.held
	}
	g.eff = i.act.Difference(i.limited)
}

// Through returns a copy of g that comes from src (via names it in
// explanations) and is in force when active says so, whatever g's own status.
// It serves API keys, which may outlive their member's session (see
// Policy.InactiveKeysValid).
func (g Grant) Through(src Source, via string, active bool) Grant {
	if g.why == nil {
		return g
	}
	info := *g.why
	info.source, info.via, info.active = src, via, active && !info.suspended && !info.ended
	g.why = &info
	g.settle()
	return g
}

// Until returns when the grant ends, or the zero time for a grant without
// an end.
func (g Grant) Until() time.Time {
	if g.why == nil {
		return time.Time{}
	}
	return g.why.until
}

// Ended reports whether At found the grant past its end.
func (g Grant) Ended() bool { return g.why != nil && g.why.ended }

// At returns the grant as it stands at now: g itself before its end (or
// for a grant without one), else a copy that allows nothing, whose Explain
// says that the access ended. A grant's end is judged when it is read, so
// a store calls At on every grant it returns, with the time of the read.
func (g Grant) At(now time.Time) Grant {
	if g.why == nil || g.why.until.IsZero() || g.why.ended || now.Before(g.why.until) {
		return g
	}
	return g.End()
}

// End returns a copy of g that has ended, whatever its end: it allows
// nothing, and Through cannot put it back in force.
func (g Grant) End() Grant {
	if g.why == nil || g.why.ended {
		return g
	}
	info := *g.why
	info.ended, info.active = true, false
	g.why = &info
	g.settle()
	return g
}

// Within returns a copy of g that holds no more than s: what g holds and s
// lists. It serves API keys limited to a subset of their member's
// permissions, computed when the key is used, so that the key narrows with
// its member. A grant narrowed below every permission of its policy is not
// the owner's: CanDo answers by the gates, and Explain says which
// permissions the key does not carry.
func (g Grant) Within(s Set) Grant {
	if g.why == nil {
		return g
	}
	info := *g.why
	all := info.policy.All()
	if info.owner && all.Difference(s).IsEmpty() {
		return g
	}
	info.keyless = info.keyless.Union(info.held.Difference(s))
	info.narrowed = true
	info.owner = false
	info.held = info.held.Intersect(s)
	info.role = info.role.Intersect(s)
	info.allow = info.allow.Intersect(s)
	g.why = &info
	g.settle()
	return g
}

// LimitUntil returns a copy of g whose end is until, if that is sooner
// than g's own (or g has none): a partner member's grant ends with the
// partnership or with the member's own access, whichever ends first.
func (g Grant) LimitUntil(until time.Time) Grant {
	if g.why == nil || until.IsZero() || !g.why.until.IsZero() && !until.Before(g.why.until) {
		return g
	}
	info := *g.why
	info.until = until
	g.why = &info
	return g
}

// Can reports whether the grant allows p wherever the request acts: a single
// bit test on a set precomputed by NewGrant, without locks or allocation.
//
// A grant limited by scopes fails closed: Can answers false for a permission
// the scopes limit (every permission, today), and Explain says the answer
// depends on the scope. Ask CanIn with the request's scopes instead.
func (g Grant) Can(p Permission) bool { return g.eff.Has(p) }

// CanIn reports whether the grant allows p in every one of scopes (see
// Scopes.Allows): it holds p, is in force, and its scopes allow each of
// them. With no scopes it is Can, and so fails closed for a scope-limited
// grant.
func (g Grant) CanIn(p Permission, scopes ...string) bool {
	if len(scopes) == 0 {
		return g.eff.Has(p)
	}
	if g.why == nil || !g.why.act.Has(p) {
		return false
	}
	for _, s := range scopes {
		if !g.scopes.Allows(s) {
			return false
		}
	}
	return true
}

// CanDo reports whether the grant allows lifecycle action a: the owner may
// take every action, anyone else needs the permission that gates it. A
// lifecycle action concerns the organisation, not a scope: CanDo reads what
// the grant holds, whatever its scopes.
func (g Grant) CanDo(a Action) bool {
	if g.why == nil || !g.why.active {
		return false
	}
	if g.why.owner {
		return true
	}
	perm, ok := g.why.policy.Gate(a)
	return ok && g.why.act.Has(perm)
}

// Perms returns the set Can tests: empty unless active, and without the
// permissions that the grant's scopes limit (so empty for a scope-limited
// grant). What the principal holds in its scopes is Held, when Active.
func (g Grant) Perms() Set { return g.eff }

// Held returns what the principal holds when active, whatever its status:
// the set that the escalation rule compares.
func (g Grant) Held() Set {
	if g.why == nil {
		return Set{}
	}
	return g.why.held
}

// Active reports whether the grant is in force.
func (g Grant) Active() bool { return g.why != nil && g.why.active }

// IsOwner reports whether the grant is the organisation owner's.
func (g Grant) IsOwner() bool { return g.why != nil && g.why.owner }

// Scopes returns where the grant applies.
func (g Grant) Scopes() Scopes { return g.scopes }

// Source returns where the grant comes from.
func (g Grant) Source() Source {
	if g.why == nil {
		return FromMember
	}
	return g.why.source
}

// Policy returns the policy the grant was resolved with (nil for the zero Grant).
func (g Grant) Policy() *Policy {
	if g.why == nil {
		return nil
	}
	return g.why.policy
}

// A Reason classifies a Decision.
type Reason uint8

// The reasons a Decision gives.
const (
	Denied       Reason = iota // no grant at all
	Owner                      // allowed: the owner holds every permission
	ByRole                     // allowed: the role grants it
	ByMember                   // allowed: granted to this principal individually
	Inactive                   // denied: the principal is inactive
	NotGranted                 // denied: neither the role nor the principal holds it
	Withdrawn                  // denied: withdrawn from this principal individually
	Lifecycle                  // denied: a partnership never carries lifecycle permissions
	OutOfScope                 // denied: the scope is outside the grant's scopes
	Undeclared                 // denied: the policy does not declare the permission
	ScopeLimited               // denied: the grant is scope-limited, and no scope was given; use CanIn
	Ended                      // denied: the principal's access (or the partnership's) ended at its end time
)

// A Decision explains one Can or CanIn answer.
type Decision struct {
	Allowed    bool
	Reason     Reason
	Permission Permission
	Name       string // the permission's name
	Role       string // the role the grant holds
	Scope      string // the scope that failed, for OutOfScope
	text       string
}

// String returns the explanation, deterministic for equal inputs, such as
//
//	allowed: "products.edit" is granted by role "editor"
//	denied: scope "market:us" is outside [market:de market:fr]
func (d Decision) String() string { return d.text }

// Explain says why Can (or CanIn with scopes) answers as it does for p. The
// answer agrees with CanIn(p, scopes...): without scopes, a permission that
// the grant's scopes limit is denied with reason ScopeLimited.
func (g Grant) Explain(p Permission, scopes ...string) Decision {
	i := g.why
	d := Decision{Permission: p}
	q := func(s string) string { return strconv.Quote(s) }
	if i == nil {
		d.Reason, d.text = Denied, "denied: no grant"
		return d
	}
	d.Role, d.Name = i.name, i.policy.Name(p)
	perm := q(d.Name)
	who := i.who()
	switch {
	case int(p) >= i.policy.Len():
		d.Reason, d.text = Undeclared, fmt.Sprintf("denied: %v is not declared by the policy", p)
		return d
	case i.ended:
		d.Reason, d.text = Ended, "denied: "+i.endText()
		return d
	case i.suspended:
		d.Reason, d.text = Inactive, "denied: the partnership is suspended"+i.viaText()
		return d
	case !i.active:
		d.Reason, d.text = Inactive, "denied: "+who+" is inactive"
		return d
	case i.owner:
		d.Reason, d.text = Owner, "allowed: role "+q(i.name)+" is the owner's and holds every permission"
	case i.narrowed && i.keyless.Has(p):
		d.Reason, d.text = Withdrawn, "denied: "+perm+" is not among the key's permissions"+i.viaText()
		return d
	case i.deny.Has(p) && i.source == FromPartner && i.policy.Lifecycle().Has(p):
		d.Reason, d.text = Lifecycle, "denied: "+perm+" gates a lifecycle action, which a partnership never carries"
		return d
	case i.deny.Has(p):
		d.Reason, d.text = Withdrawn, "denied: "+perm+" is withdrawn from "+who+" individually"
		return d
	case i.role.Has(p) && i.source == FromPartner:
		d.Reason, d.text = ByRole, "allowed: "+perm+" is granted by partnership level "+q(i.name)+i.viaText()
	case i.role.Has(p):
		d.Reason, d.text = ByRole, "allowed: "+perm+" is granted by role "+q(i.name)+i.viaText()
	case i.allow.Has(p):
		d.Reason, d.text = ByMember, "allowed: "+perm+" is granted to "+who+" individually"+i.viaText()
	default:
		d.Reason = NotGranted
		if i.source == FromPartner {
			d.text = "denied: " + perm + " is not granted by partnership level " + q(i.name) + i.viaText()
		} else if i.name == "" {
			d.text = "denied: " + perm + " is not granted to " + who
		} else {
			d.text = "denied: " + perm + " is granted neither by role " + q(i.name) + " nor individually"
		}
		return d
	}
	if len(scopes) == 0 && i.limited.Has(p) {
		d.Reason = ScopeLimited
		d.text = "denied: " + perm + " depends on the scope, for the grant is limited to " + g.scopes.String() + "; ask CanIn with the request's scope"
		return d
	}
	for _, s := range scopes {
		if !g.scopes.Allows(s) {
			d.Reason, d.Scope = OutOfScope, s
			d.text = "denied: scope " + q(s) + " is outside " + g.scopes.String()
			return d
		}
	}
	d.Allowed = true
	return d
}

// ExplainDo says why CanDo answers as it does for lifecycle action a.
func (g Grant) ExplainDo(a Action) Decision {
	i := g.why
	if i == nil {
		return Decision{Reason: Denied, text: "denied: no grant"}
	}
	d := Decision{Role: i.name}
	switch perm, gated := i.policy.Gate(a); {
	case i.ended:
		d.Reason, d.text = Ended, "denied: "+i.endText()
	case !i.active && i.suspended:
		d.Reason, d.text = Inactive, "denied: the partnership is suspended"+i.viaText()
	case !i.active:
		d.Reason, d.text = Inactive, "denied: "+i.who()+" is inactive"
	case i.owner:
		d.Allowed, d.Reason, d.text = true, Owner, "allowed: the owner may "+a.String()
	case !gated:
		d.Reason, d.text = NotGranted, "denied: "+a.String()+" is the owner's alone"
	default:
		d.Permission, d.Name = perm, i.policy.Name(perm)
		if i.act.Has(perm) {
			d.Allowed, d.Reason = true, ByRole
			if !i.role.Has(perm) {
				d.Reason = ByMember
			}
			d.text = "allowed: " + a.String() + " needs " + strconv.Quote(d.Name) + ", which " + i.who() + " holds"
		} else {
			d.Reason = NotGranted
			if i.deny.Has(perm) && i.source == FromPartner {
				d.Reason = Lifecycle
			}
			d.text = "denied: " + a.String() + " needs " + strconv.Quote(d.Name) + ", which " + i.who() + " lacks"
		}
	}
	return d
}

func (i *grantInfo) who() string {
	switch i.source {
	case FromCollaborator:
		return "the collaborator"
	case FromPartner:
		return "the partner member"
	case FromKey:
		return "the key's member"
	case FromServiceKey:
		return "the key"
	}
	return "the member"
}

func (i *grantInfo) endText() string {
	what := i.who() + "'s access"
	if i.source == FromPartner {
		what = "the access through the partnership"
	}
	return what + " ended at " + i.until.UTC().Format(time.RFC3339) + i.viaText()
}

func (i *grantInfo) viaText() string {
	if i.via == "" {
		return ""
	}
	return " (" + strings.TrimSpace(i.via) + ")"
}
