package store

import (
	"github.com/rosterhq/roster/access"
)

// Policies change. A record written under one policy may name, once the
// host runs another, a permission or role that the policy renamed (it
// lists the old name among its Aliases) or dropped. Such a record still
// loads:
//
//   - A renamed name resolves to the permission or role it became: the
//     record holds it under its current name, and grants what it grants.
//   - A dropped permission grants nothing (nor, in Deny, withdraws
//     anything); a member whose role the policy dropped (and which is no
//     custom role of its organisation) holds no permission from it, is
//     still listed and still takes its seat. The owner's role is the
//     policy's, and renamed only with an alias.
//
// Either way the record keeps the names as stored, in its Stale field,
// and writing it back writes them again: the aliases for what it still
// holds, and the dropped names beside the permissions it holds, so that
// rolling the policy back loses nothing. member.Drift lists them for an
// organisation; member.PruneDrift rewrites them (aliases to current names,
// dropped names away).

// A StaleName is a name a stored record holds that is not the current
// name of anything in the store's policy: a former name (an alias) of a
// permission or role, or a permission the policy does not declare.
type StaleName struct {
	// Field is the record's field that holds it: FieldRole, FieldLevel,
	// FieldAllow, FieldDeny, FieldPerms or FieldGranted.
	Field string
	// Name is the name as stored.
	Name string
}

// The fields of a record that hold names, as StaleName.Field and
// Drift.Field give them.
const (
	FieldRole    = "role"    // Member.Role, Invitation.Role
	FieldLevel   = "level"   // Partnership.Level
	FieldAllow   = "allow"   // Member.Allow, Invitation.Allow
	FieldDeny    = "deny"    // Member.Deny, Invitation.Deny
	FieldPerms   = "perms"   // Role.Perms, Request.Perms, Key.Perms
	FieldGranted = "granted" // Request.Granted
)

// DecodeSet returns the set that stored permission names mean under p, and
// appends to stale, for field, each name p does not declare, and each name
// of a permission that is stored under an alias or under more than one
// name (its current name too, then), so that EncodeSet writes them all
// back. Stores call it on every set they read.
func DecodeSet(p *access.Policy, field string, names []string, stale *[]StaleName) access.Set {
	var s, twice access.Set
	for _, n := range names {
		perm, alias, ok := p.ResolvePermission(n)
		if !ok {
			continue
		}
		if s.Has(perm) || alias {
			twice = twice.With(perm)
		}
		s = s.With(perm)
	}
	for _, n := range names {
		perm, _, ok := p.ResolvePermission(n)
		if !ok || twice.Has(perm) {
			*stale = append(*stale, StaleName{Field: field, Name: n})
		}
	}
	return s
}

// EncodeSet returns the names to store for set, in field, of a record
// whose stale names are stale: for each permission, the names it was read
// under if DecodeSet kept them (an alias, or several names), else its
// name; then each name of field that p does not declare. A permission beyond the policy's is an error wrapping
// access.ErrUnknownPermission.
func EncodeSet(p *access.Policy, field string, set access.Set, stale []StaleName) ([]string, error) {
	names, err := p.Names(set)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, n := range names {
		perm, _ := p.Permission(n)
		before := len(out)
		for _, st := range stale {
			if q, _, ok := p.ResolvePermission(st.Name); ok && st.Field == field && q == perm && !contains(out[before:], st.Name) {
				out = append(out, st.Name)
			}
		}
		if len(out) == before {
			out = append(out, names[i])
		}
	}
	names = out
	for _, st := range stale {
		if _, _, ok := p.ResolvePermission(st.Name); st.Field == field && !ok && !contains(names, st.Name) {
			names = append(names, st.Name)
		}
	}
	return names, nil
}

// DecodeRole returns the role a stored role name means under p: its
// current name if it is an alias, which it appends to stale for field;
// else the name as it is (a role of the policy, a custom role, or one
// that no longer exists).
func DecodeRole(p *access.Policy, field, name string, stale *[]StaleName) string {
	if cur, alias, ok := p.ResolveRole(name); ok && alias {
		*stale = append(*stale, StaleName{Field: field, Name: name})
		return cur
	}
	return name
}

// EncodeRole returns the role name to store in field for role: the alias
// it was read under, if it still means role, else role.
func EncodeRole(p *access.Policy, field, role string, stale []StaleName) string {
	for _, st := range stale {
		if st.Field != field {
			continue
		}
		if cur, alias, ok := p.ResolveRole(st.Name); ok && alias && cur == role {
			return st.Name
		}
	}
	return role
}

func contains(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// nameField is one field of a record that holds names: a set or a role.
type nameField struct {
	name string
	set  *access.Set
	role *string
}

// restate reads fields, kept under from with stale names stale, as a
// store would read them back under to, and sets stale to what is stale
// under to.
func restate(from, to *access.Policy, stale *[]StaleName, fields ...nameField) error {
	var out []StaleName
	for _, f := range fields {
		if f.set != nil {
			names, err := EncodeSet(from, f.name, *f.set, *stale)
			if err != nil {
				return err
			}
			*f.set = DecodeSet(to, f.name, names, &out)
		} else {
			*f.role = DecodeRole(to, f.name, EncodeRole(from, f.name, *f.role, *stale), &out)
		}
	}
	*stale = out
	return nil
}

// RestateMember makes m, held under the policy from, what a store that
// wrote it under from reads back under to: the same stored names, decoded
// anew. A store that keeps records as values (memstore) calls it with
// from == to on every write, so that Stale says what the record's fields
// still store, and with the old and new policy when it changes. It does
// not resolve m's grant.
func RestateMember(from, to *access.Policy, m *Member) error {
	return restate(from, to, &m.Stale, nameField{name: FieldRole, role: &m.Role},
		nameField{name: FieldAllow, set: &m.Allow}, nameField{name: FieldDeny, set: &m.Deny})
}

// RestateInvitation is RestateMember for an invitation.
func RestateInvitation(from, to *access.Policy, inv *Invitation) error {
	return restate(from, to, &inv.Stale, nameField{name: FieldRole, role: &inv.Role},
		nameField{name: FieldAllow, set: &inv.Allow}, nameField{name: FieldDeny, set: &inv.Deny})
}

// RestateRole is RestateMember for a custom role.
func RestateRole(from, to *access.Policy, r *Role) error {
	return restate(from, to, &r.Stale, nameField{name: FieldPerms, set: &r.Perms})
}

// RestateRequest is RestateMember for an access request.
func RestateRequest(from, to *access.Policy, r *Request) error {
	return restate(from, to, &r.Stale, nameField{name: FieldPerms, set: &r.Perms}, nameField{name: FieldGranted, set: &r.Granted})
}

// RestatePartnership is RestateMember for a partnership.
func RestatePartnership(from, to *access.Policy, ps *Partnership) error {
	return restate(from, to, &ps.Stale, nameField{name: FieldLevel, role: &ps.Level})
}

// RestateKey is RestateMember for an API key.
func RestateKey(from, to *access.Policy, k *Key) error {
	return restate(from, to, &k.Stale, nameField{name: FieldPerms, set: &k.Perms})
}

// A Drift is one name that a stored record of an organisation holds and
// that is not a current name of the policy (member.Drift lists them).
type Drift struct {
	// Kind is the record's kind: "member", "invitation", "role" (a custom
	// role), "request", "partnership" or "key" (an API key, a member's or
	// a service key).
	Kind string
	// ID is the record's ID; zero for a custom role, which Role names.
	ID ID
	// Role is the custom role's name, for Kind "role".
	Role string
	// Field is the record's field that holds the name (FieldRole, …).
	Field string
	// Name is the name as stored.
	Name string
	// Current is what an alias resolves to; "" for a name the policy, and
	// for a role the organisation, does not have at all.
	Current string
}

// A Reopener is a store that opens its data again under another Env, as a
// host restarted with a changed policy does: the store it returns reads
// every record through the new policy (store.StaleName), and the old one
// must not be used after. sqlstore's is a new Store on the same database;
// memstore's moves its organisations into the new one.
type Reopener interface {
	Reopen(env Env) (Store, error)
}
