package member

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// Drift lists what the organisation's stored records name that the
// store's policy does not hold as a current name (store.Drift): the
// aliases they still hold, with the current name each resolves to, and the
// permissions and roles the policy, and for roles the organisation, does
// not have at all, which grant nothing. Members, invitations of every
// status, custom roles, access requests, partnerships and API keys (Kind
// "key": each member's keys in the members' order, then the service
// keys), in that order, each in its list's order. An empty list says
// nothing has drifted.
//
// It is the host's read, as Members is: it takes no actor and opens no
// unit of work. A deleted or unknown organisation lists nothing.
func Drift(ctx context.Context, s store.Store, org store.ID) ([]store.Drift, error) {
	if err := rule.CheckID("organisation", org); err != nil {
		return nil, err
	}
	p := s.Env().Policy
	custom := make(map[string]bool)
	var roles []store.Role
	if err := all(func(pg store.Page) ([]store.Role, string, error) { return s.Roles(ctx, org, pg) }, func(r store.Role) {
		custom[r.Name] = true
		roles = append(roles, r)
	}); err != nil {
		return nil, err
	}
	var out []store.Drift
	add := func(kind string, id store.ID, role string, stale []store.StaleName) {
		for _, st := range stale {
			d := store.Drift{Kind: kind, ID: id, Role: role, Field: st.Field, Name: st.Name}
			if st.Field == store.FieldRole || st.Field == store.FieldLevel {
				d.Current, _, _ = p.ResolveRole(st.Name)
			} else if perm, _, ok := p.ResolvePermission(st.Name); ok {
				d.Current = p.Name(perm)
			}
			if d.Current == d.Name {
				continue // a current name, stored beside an alias of it
			}
			out = append(out, d)
		}
	}
	// A role that is neither the policy's nor a custom role of the
	// organisation: dropped.
	unknownRole := func(kind string, id store.ID, field, role string) {
		if _, _, ok := p.ResolveRole(role); !ok && role != "" && !custom[role] {
			out = append(out, store.Drift{Kind: kind, ID: id, Field: field, Name: role})
		}
	}
	var holders []store.ID
	if err := all(func(pg store.Page) ([]store.Member, string, error) { return s.Members(ctx, org, store.Filter{}, pg) }, func(m store.Member) {
		holders = append(holders, m.ID)
		if m.Kind == store.Staff {
			unknownRole("member", m.ID, store.FieldRole, m.Role)
		}
		add("member", m.ID, "", m.Stale)
	}); err != nil {
		return nil, err
	}
	if err := all(func(pg store.Page) ([]store.Invitation, string, error) {
		return s.Invitations(ctx, org, store.InvitationFilter{}, pg)
	}, func(inv store.Invitation) {
		unknownRole("invitation", inv.ID, store.FieldRole, inv.Role)
		add("invitation", inv.ID, "", inv.Stale)
	}); err != nil {
		return nil, err
	}
	for _, r := range roles {
		add("role", store.ID{}, r.Name, r.Stale)
	}
	if err := all(func(pg store.Page) ([]store.Request, string, error) { return s.Requests(ctx, org, 0, pg) }, func(r store.Request) {
		add("request", r.ID, "", r.Stale)
	}); err != nil {
		return nil, err
	}
	if err := all(func(pg store.Page) ([]store.Partnership, string, error) { return s.Partnerships(ctx, org, pg) }, func(ps store.Partnership) {
		if ps.Org == org {
			unknownRole("partnership", ps.ID, store.FieldLevel, ps.Level)
			add("partnership", ps.ID, "", ps.Stale)
		}
	}); err != nil {
		return nil, err
	}
	for _, h := range append(holders, store.ID{}) { // the zero ID: the service keys
		err := all(func(pg store.Page) ([]store.Key, string, error) { return s.Keys(ctx, org, h, pg) }, func(k store.Key) {
			add("key", k.ID, "", k.Stale)
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) { // a member gone since
			return nil, err
		}
	}
	return out, nil
}

// all calls each for every item of every page that list returns.
func all[T any](list func(store.Page) ([]T, string, error), each func(T)) error {
	for pg := (store.Page{Limit: store.MaxPageSize}); ; {
		items, next, err := list(pg)
		if err != nil {
			return err
		}
		for _, it := range items {
			each(it)
		}
		if next == "" {
			return nil
		}
		pg.After = next
	}
}

// PruneDrift rewrites what Drift lists, in one unit of work on the
// organisation: aliases become the current names they resolve to, dropped
// permissions go, and a member, invitation or partnership whose role the
// policy and the organisation no longer have gets the role fallback (a
// role of the policy, not the owner's; "" means the non-owner role of the
// policy with the fewest permissions, the first declared on a tie). An API
// key keeps its ID, secret and expiry; a key all of whose permissions the
// policy dropped, which holds nothing meanwhile (store.Key.Limits), is
// revoked (a KeyRevoked event), since, its names pruned, it would limit
// nothing and hold all its member holds. It writes one DriftPruned event
// when it rewrote anything, and returns how many records it rewrote
// (revoked keys included); a second run finds nothing and writes nothing.
//
// It is the host's operation, for after a policy change: it takes no
// actor, and the event's actor is the system principal under AsSystem
// (AsSystem(ctx, "deploy")), else the host unnamed (the zero Party). Run it while the
// policy is the one to keep: what it drops does not come back with an
// older policy.
func PruneDrift(ctx context.Context, s store.Store, org store.ID, fallback string) (int, error) {
	p := s.Env().Policy
	fb, err := fallbackRole(p, fallback)
	if err != nil {
		return 0, rule.Refuse(ctx, s.Env(), err, org)
	}
	drift, err := Drift(ctx, s, org)
	if err != nil {
		return 0, err
	}
	if len(drift) == 0 {
		return 0, nil
	}
	return rule.Update(ctx, s, org, func(tx store.Tx) (int, error) { return pruneTx(ctx, tx, drift, fb) })
}

// fallbackRole returns the role PruneDrift gives in place of a dropped one.
func fallbackRole(p *access.Policy, name string) (string, error) {
	if name != "" {
		if _, ok := p.Role(name); !ok || p.IsOwner(name) {
			return "", fmt.Errorf("%w: fallback role %q is not a non-owner role of the policy", store.ErrInvalid, name)
		}
		return name, nil
	}
	best, n := "", -1
	for _, r := range p.Roles() {
		if !r.Owner && (n < 0 || r.Perms.Len() < n) {
			best, n = r.Name, r.Perms.Len()
		}
	}
	return best, nil
}

func pruneTx(ctx context.Context, tx store.Tx, drift []store.Drift, fallback string) (int, error) {
	type key struct {
		kind string
		id   store.ID
		role string
	}
	seen := make(map[key]bool)
	dropped := func(kind string, id store.ID) func(string) bool {
		return func(role string) bool {
			for _, d := range drift {
				if d.Kind == kind && d.ID == id && d.Current == "" && d.Name == role && (d.Field == store.FieldRole || d.Field == store.FieldLevel) {
					return true
				}
			}
			return false
		}
	}
	n := 0
	var names []string
	for _, d := range drift {
		k := key{d.Kind, d.ID, d.Role}
		names = append(names, d.Kind+" "+d.Field+" "+d.Name)
		if seen[k] {
			continue
		}
		seen[k] = true
		var err error
		switch d.Kind {
		case "member":
			var m store.Member
			if m, err = tx.Member(ctx, d.ID); err == nil {
				m.Stale = nil
				if m.Kind == store.Staff && dropped(d.Kind, d.ID)(m.Role) {
					m.Role = fallback
				}
				err = tx.PutMember(ctx, m)
			}
		case "invitation":
			var inv store.Invitation
			if inv, err = tx.Invitation(ctx, d.ID); err == nil {
				inv.Stale = nil
				if dropped(d.Kind, d.ID)(inv.Role) {
					inv.Role = fallback
				}
				err = tx.PutInvitation(ctx, inv)
			}
		case "role":
			var r store.Role
			if r, err = tx.Role(ctx, d.Role); err == nil {
				r.Stale = nil
				err = tx.PutRole(ctx, r)
			}
		case "request":
			var r store.Request
			if r, err = tx.Request(ctx, d.ID); err == nil {
				r.Stale = nil
				err = tx.PutRequest(ctx, r)
			}
		case "partnership":
			var ps store.Partnership
			if ps, err = tx.Partnership(ctx, d.ID); err == nil {
				ps.Stale = nil
				if dropped(d.Kind, d.ID)(ps.Level) {
					ps.Level = fallback
				}
				err = tx.PutPartnership(ctx, ps)
			}
		case "key":
			err = pruneKey(ctx, tx, d.ID)
		}
		if errors.Is(err, store.ErrNotFound) {
			continue // gone since Drift read it
		}
		if err != nil {
			return 0, err
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	slices.Sort(names)
	actor, err := hostParty(ctx)
	if err != nil {
		return 0, err
	}
	return n, rule.Emit(ctx, tx, store.Event{Type: store.DriftPruned, Actor: actor, Before: store.State{Allow: slices.Compact(names)}})
}

// pruneKey writes the key id back without its stale names, or revokes it
// when it held nothing but dropped permissions.
func pruneKey(ctx context.Context, tx store.Tx, id store.ID) error {
	k, err := tx.Key(ctx, id)
	if err != nil {
		return err
	}
	if err := tx.DeleteKey(ctx, id); err != nil {
		return err
	}
	if !k.Perms.IsEmpty() {
		k.Stale = nil
		return tx.PutKey(ctx, k)
	}
	actor, err := hostParty(ctx)
	if err != nil {
		return err
	}
	var target store.Party
	if k.Service() {
		target = keyParty(k)
	} else if m, err := tx.Member(ctx, k.Member); err == nil {
		target = m.Party()
	}
	return rule.Emit(ctx, tx, store.Event{Type: store.KeyRevoked, Actor: actor, Target: target, Object: k.ID,
		Before: store.State{Name: k.Name}})
}
