package access

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// MaxNameLen bounds permission, role and field names.
const MaxNameLen = 64

// Bounds on a policy, so that one read from configuration cannot exhaust
// memory or time: NewPolicy and ParsePolicy refuse a policy beyond them with
// an error wrapping ErrPolicyTooLarge (and ErrInvalidPolicy). MaxPermissions
// bounds the permissions.
const (
	// MaxRoles bounds the roles a policy declares, the owner's included.
	MaxRoles = 256
	// MaxFields bounds the profile fields of Spec.Fields, and those of
	// each RoleSpec.Fields.
	MaxFields = 64
	// MaxLabelLen bounds the label of a permission or role, in bytes.
	MaxLabelLen = 256
	// MaxPolicyBytes bounds the JSON form of a policy: ParsePolicy refuses
	// longer input before decoding it, and NewPolicy refuses a policy whose
	// JSON form (MarshalJSON) would be longer, so that every Policy parses
	// back. Policies of a few dozen roles take a few kilobytes.
	MaxPolicyBytes = 1 << 20
)

// DefaultInviteExpiry is how long an invitation stays valid unless the policy
// or the invitation says otherwise.
const DefaultInviteExpiry = 7 * 24 * time.Hour

// MaxInviteExpiry bounds how long an invitation may stay valid: the policy's
// default (Spec.InviteExpiry), and an invitation's own expiry.
const MaxInviteExpiry = 365 * 24 * time.Hour

// A PermissionSpec declares one permission: a stable Name ("products.edit")
// used in configuration, JSON and databases, and an optional human Label.
type PermissionSpec struct {
	Name  string
	Label string
	// Aliases are former names of this permission: a stored record that
	// still names one (written under an older policy) resolves to this
	// permission when it is read, with no data migration. An alias is not
	// a name for new input (Permission and ParseSet do not take it); see
	// ResolvePermission. No alias may equal a permission's name or another
	// alias.
	Aliases []string
}

// A RoleSpec declares one role of a Spec.
type RoleSpec struct {
	Name  string // stable identifier, as for permissions ("sales_rep")
	Label string // optional, for people ("Sales Rep")
	// Permissions the role grants. The owner role always holds every
	// permission; leave its Permissions empty (or list all of them).
	Permissions Set
	// Fields are the profile fields members of this role may carry, in
	// addition to the policy-wide Spec.Fields ("commission_pct").
	Fields []string
	// Aliases are former names of this role: a stored member, invitation
	// or partnership that still names one holds this role when it is read,
	// with no data migration (see ResolveRole). No alias may equal a
	// role's name or another alias.
	Aliases []string
}

// A Spec is the host's declaration of its policy. NewPolicy validates it.
//
// Declare permissions as constants and index Permissions by them, so that
// each constant's value and its name cannot drift apart:
//
//	const (
//		ViewProducts access.Permission = iota
//		EditProducts
//	)
//	spec := access.Spec{
//		Permissions: []access.PermissionSpec{
//			ViewProducts: {Name: "products.view"},
//			EditProducts: {Name: "products.edit"},
//		},
//		…
//	}
type Spec struct {
	Permissions []PermissionSpec // index i declares Permission(i)
	Roles       []RoleSpec
	Owner       string // the name of the owner role, one of Roles

	// Gates names the permission that gates each lifecycle action. An
	// action without a gate is the owner's alone.
	Gates map[Action]Permission

	// DemoteOwnerTo is the role a previous owner takes after transferring
	// ownership. Empty means the non-owner role with the most permissions
	// (the first declared, on a tie).
	DemoteOwnerTo string

	// InviteExpiry is how long invitations stay valid; zero means
	// DefaultInviteExpiry. It may not exceed MaxInviteExpiry.
	InviteExpiry time.Duration

	// AcceptAnyEmail lets a user accept an invitation sent to another
	// e-mail address. By default the addresses must match, ignoring case.
	AcceptAnyEmail bool

	// InactiveKeysValid keeps the API keys of a deactivated member working
	// (seed 000's collaborators). By default they stop with the member.
	InactiveKeysValid bool

	// Fields are profile fields every member may carry. RoleSpec.Fields
	// adds fields for one role. A profile field outside both is refused.
	Fields []string
}

// A Role is a named set of permissions. Roles returned by a Policy are copies.
type Role struct {
	Name   string
	Label  string
	Perms  Set
	Fields []string
	Owner  bool // this is the policy's owner role
	// Aliases are the role's former names (RoleSpec.Aliases).
	Aliases []string
}

// A Policy is a validated Spec: the host's permissions, roles, owner role and
// lifecycle gates. It is immutable and safe for concurrent use.
type Policy struct {
	perms      []PermissionSpec
	byName     map[string]Permission
	roles      []Role
	roleByName map[string]int
	owner      int
	demote     int
	gates      [numActions]Permission
	gated      [numActions]bool
	lifecycle  Set
	all        Set
	expiry     time.Duration
	anyEmail   bool
	keysValid  bool
	fields     []string

	permAlias map[string]Permission // former permission names
	roleAlias map[string]int        // former role names
}

// NewPolicy validates spec and returns the Policy it declares. Every error
// wraps ErrInvalidPolicy and one of the specific errors of this package
// (ErrEmptyName, ErrDuplicateName, ErrUnknownPermission, …), and names the
// offending entry.
func NewPolicy(spec Spec) (*Policy, error) {
	p, err := newPolicy(spec)
	if err != nil {
		return nil, invalidPolicy(err)
	}
	return p, nil
}

// invalidPolicy wraps err in ErrInvalidPolicy unless it wraps it already, so
// that a message says "invalid policy" once.
func invalidPolicy(err error) error {
	if errors.Is(err, ErrInvalidPolicy) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
}

// MustPolicy is NewPolicy for policies declared in code; it panics on error,
// which a test of the declaring package then reports.
func MustPolicy(spec Spec) *Policy {
	p, err := NewPolicy(spec)
	if err != nil {
		panic(err)
	}
	return p
}

func newPolicy(spec Spec) (*Policy, error) {
	n := len(spec.Permissions)
	if err := checkCounts(n, len(spec.Roles)); err != nil {
		return nil, err
	}
	if len(spec.Fields) > MaxFields {
		return nil, fmt.Errorf("%w: policy: %d fields, at most %d", ErrPolicyTooLarge, len(spec.Fields), MaxFields)
	}
	for _, rs := range spec.Roles {
		if len(rs.Fields) > MaxFields {
			return nil, fmt.Errorf("%w: role %q: %d fields, at most %d", ErrPolicyTooLarge, rs.Name, len(rs.Fields), MaxFields)
		}
	}
	p := &Policy{
		perms:      clonePerms(spec.Permissions),
		byName:     make(map[string]Permission, n),
		roleByName: make(map[string]int, len(spec.Roles)),
		all:        FirstN(n),
		expiry:     spec.InviteExpiry,
		anyEmail:   spec.AcceptAnyEmail,
		keysValid:  spec.InactiveKeysValid,
	}
	for i, ps := range spec.Permissions {
		if err := checkName("permission", ps.Name); err != nil {
			return nil, fmt.Errorf("permission %d: %w", i, err)
		}
		if err := checkLabel("permission", ps.Name, ps.Label); err != nil {
			return nil, err
		}
		if _, dup := p.byName[ps.Name]; dup {
			return nil, fmt.Errorf("%w: permission %q declared twice", ErrDuplicateName, ps.Name)
		}
		p.byName[ps.Name] = Permission(i)
	}
	for i, ps := range spec.Permissions {
		for _, a := range ps.Aliases {
			if err := checkAlias("permission", ps.Name, a, hasPerm(p.byName, a), hasPerm(p.permAlias, a)); err != nil {
				return nil, err
			}
			if p.permAlias == nil {
				p.permAlias = make(map[string]Permission)
			}
			p.permAlias[a] = Permission(i)
		}
	}
	var err error
	if p.fields, err = checkFields("policy", spec.Fields); err != nil {
		return nil, err
	}
	if spec.Owner == "" {
		return nil, fmt.Errorf("%w: Spec.Owner is empty", ErrNoOwner)
	}
	p.owner = -1
	for _, rs := range spec.Roles {
		if err := checkName("role", rs.Name); err != nil {
			return nil, err
		}
		if err := checkLabel("role", rs.Name, rs.Label); err != nil {
			return nil, err
		}
		if _, dup := p.roleByName[rs.Name]; dup {
			return nil, fmt.Errorf("%w: role %q declared twice", ErrDuplicateName, rs.Name)
		}
		if extra := rs.Permissions.Difference(p.all); !extra.IsEmpty() {
			return nil, fmt.Errorf("%w: role %q grants %v, beyond the %d declared", ErrUnknownPermission, rs.Name, extra, n)
		}
		fields, err := checkFields("role "+rs.Name, rs.Fields)
		if err != nil {
			return nil, err
		}
		r := Role{Name: rs.Name, Label: rs.Label, Perms: rs.Permissions, Fields: fields, Aliases: slices.Clone(rs.Aliases)}
		if rs.Name == spec.Owner {
			if !rs.Permissions.IsEmpty() && rs.Permissions != p.all {
				return nil, fmt.Errorf("%w: the owner role %q holds every permission; leave its list empty", ErrInvalidPolicy, rs.Name)
			}
			r.Perms, r.Owner, p.owner = p.all, true, len(p.roles)
		}
		p.roleByName[rs.Name] = len(p.roles)
		p.roles = append(p.roles, r)
	}
	if p.owner < 0 {
		return nil, fmt.Errorf("%w: %w: owner %q is not among the roles", ErrNoOwner, ErrUnknownRole, spec.Owner)
	}
	for i, r := range p.roles {
		for _, a := range r.Aliases {
			_, isRole := p.roleByName[a]
			_, isAlias := p.roleAlias[a]
			if err := checkAlias("role", r.Name, a, isRole, isAlias); err != nil {
				return nil, err
			}
			if p.roleAlias == nil {
				p.roleAlias = make(map[string]int)
			}
			p.roleAlias[a] = i
		}
	}
	if len(p.roles) < 2 {
		return nil, fmt.Errorf("%w: a policy needs a role besides the owner's, for a previous owner to take", ErrInvalidPolicy)
	}
	p.demote = -1
	if spec.DemoteOwnerTo != "" {
		i, ok := p.roleByName[spec.DemoteOwnerTo]
		if !ok || i == p.owner {
			return nil, fmt.Errorf("%w: DemoteOwnerTo %q must name a non-owner role", ErrUnknownRole, spec.DemoteOwnerTo)
		}
		p.demote = i
	} else {
		for i, r := range p.roles {
			if i != p.owner && (p.demote < 0 || r.Perms.Len() > p.roles[p.demote].Perms.Len()) {
				p.demote = i
			}
		}
	}
	for a, perm := range spec.Gates {
		if a >= numActions {
			return nil, fmt.Errorf("%w: %d", ErrUnknownAction, uint8(a))
		}
		if int(perm) >= n {
			return nil, fmt.Errorf("%w: action %s gated by %v, beyond the %d declared", ErrUnknownPermission, a, perm, n)
		}
		p.gates[a], p.gated[a] = perm, true
		p.lifecycle = p.lifecycle.With(perm)
	}
	if p.expiry < 0 {
		return nil, fmt.Errorf("%w: InviteExpiry %v is negative", ErrInvalidPolicy, p.expiry)
	}
	if p.expiry > MaxInviteExpiry {
		return nil, fmt.Errorf("%w: InviteExpiry %v exceeds MaxInviteExpiry (%v)", ErrInvalidPolicy, p.expiry, MaxInviteExpiry)
	}
	if p.expiry == 0 {
		p.expiry = DefaultInviteExpiry
	}
	if p.jsonBound() > MaxPolicyBytes {
		// Only a policy near the bounds gets here; measure it exactly.
		data, err := p.MarshalJSON()
		if err != nil {
			return nil, err
		}
		if len(data) > MaxPolicyBytes {
			return nil, fmt.Errorf("%w: its JSON form is %d bytes, at most %d (MaxPolicyBytes)", ErrPolicyTooLarge, len(data), MaxPolicyBytes)
		}
	}
	return p, nil
}

func hasPerm(m map[string]Permission, name string) bool {
	_, ok := m[name]
	return ok
}

// checkAlias checks alias, a former name of the permission or role name:
// a valid name, not a current name (isName) and not another alias
// (isAlias) of the same kind.
func checkAlias(what, name, alias string, isName, isAlias bool) error {
	if err := checkName(what+" alias", alias); err != nil {
		return fmt.Errorf("%s %q: %w", what, name, err)
	}
	if isName {
		return fmt.Errorf("%w: %s %q: alias %q is the name of a %s", ErrDuplicateName, what, name, alias, what)
	}
	if isAlias {
		return fmt.Errorf("%w: %s %q: alias %q declared twice", ErrDuplicateName, what, name, alias)
	}
	return nil
}

// checkCounts checks the number of permissions and roles of a policy, before
// anything is built from them.
func checkCounts(perms, roles int) error {
	if perms > MaxPermissions {
		return fmt.Errorf("%w: %w: %d declared, at most %d", ErrTooManyPermissions, ErrPolicyTooLarge, perms, MaxPermissions)
	}
	if roles > MaxRoles {
		return fmt.Errorf("%w: %d roles, at most %d", ErrPolicyTooLarge, roles, MaxRoles)
	}
	return nil
}

// jsonBound returns at least the length of p's JSON form, cheaply: names are
// ASCII that JSON does not escape, and JSON escapes a byte of a label into
// at most six.
func (p *Policy) jsonBound() int {
	size := 512 + int(numActions)*(32+MaxNameLen) + 2*MaxNameLen
	for _, ps := range p.perms {
		size += len(ps.Name) + 6*len(ps.Label) + 32
		for _, a := range ps.Aliases {
			size += len(a) + 3
		}
	}
	for _, r := range p.roles {
		size += len(r.Name) + 6*len(r.Label) + 64
		for perm := range r.Perms.All() {
			size += len(p.perms[perm].Name) + 3
		}
		for _, f := range r.Fields {
			size += len(f) + 3
		}
		for _, a := range r.Aliases {
			size += len(a) + 3
		}
	}
	for _, f := range p.fields {
		size += len(f) + 3
	}
	return size
}

func checkName(what, name string) error {
	if name == "" {
		return fmt.Errorf("%w: a %s has an empty name", ErrEmptyName, what)
	}
	if err := ValidName(name); err != nil {
		return fmt.Errorf("%s %q: %w", what, name, err)
	}
	return nil
}

// ValidName reports whether name may name a permission, role or field: 1 to
// MaxNameLen bytes of ASCII letters, digits and "._:-". The error wraps
// ErrEmptyName or ErrInvalidName, and names the first refused character and
// its byte offset; for a character that CheckText refuses (a control or
// format character, or a byte that is not UTF-8) it wraps ErrInvalidText too.
func ValidName(name string) error {
	if name == "" {
		return ErrEmptyName
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidName, MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			r, _, err := textRune(name, i)
			if err != nil {
				return fmt.Errorf("%w: %q: %w; use letters, digits and ._:-", ErrInvalidName, name, err)
			}
			return fmt.Errorf("%w: %q holds %q (%U) at byte %d; use letters, digits and ._:-", ErrInvalidName, name, r, r, i)
		}
	}
	return nil
}

// checkLabel checks the label of a permission or role, whose name is valid.
func checkLabel(what, name, label string) error {
	if len(label) > MaxLabelLen {
		return fmt.Errorf("%w: %s %q: label of %d bytes, at most %d", ErrPolicyTooLarge, what, name, len(label), MaxLabelLen)
	}
	if err := CheckText(label); err != nil {
		return fmt.Errorf("%s %q: label: %w", what, name, err)
	}
	return nil
}

func checkFields(where string, fields []string) ([]string, error) {
	for i, f := range fields {
		if err := checkName("field", f); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if slices.Contains(fields[:i], f) {
			return nil, fmt.Errorf("%w: %s: field %q declared twice", ErrDuplicateName, where, f)
		}
	}
	return slices.Clone(fields), nil
}

// Len returns the number of permissions the policy declares.
func (p *Policy) Len() int { return len(p.perms) }

// All returns the set of every declared permission.
func (p *Policy) All() Set { return p.all }

// Permission returns the permission named name.
func (p *Policy) Permission(name string) (Permission, bool) {
	perm, ok := p.byName[name]
	return perm, ok
}

// ResolvePermission returns the permission that a stored name means: the
// permission of that name, or the one that declares it among its Aliases
// (alias is then true). It is how a store reads names written under an
// older policy; input from people takes current names only (Permission).
func (p *Policy) ResolvePermission(name string) (perm Permission, alias, ok bool) {
	if perm, ok := p.byName[name]; ok {
		return perm, false, true
	}
	perm, ok = p.permAlias[name]
	return perm, ok, ok
}

// ResolveRole returns the current name of the role that a stored name
// means: name itself for a role of the policy, or the role that declares it
// among its Aliases (alias is then true). ok is false for any other name (a
// custom role's, or a role the policy no longer has).
func (p *Policy) ResolveRole(name string) (current string, alias, ok bool) {
	if p == nil {
		return "", false, false
	}
	if _, ok := p.roleByName[name]; ok {
		return name, false, true
	}
	if i, ok := p.roleAlias[name]; ok {
		return p.roles[i].Name, true, true
	}
	return "", false, false
}

// DecodeNames reads stored permission names: the set of those the policy
// resolves (by name or alias), the aliases among them, and the names it
// does not declare at all, each in the order given. A store keeps the
// unknown names so that writing the record back loses nothing.
func (p *Policy) DecodeNames(names []string) (s Set, aliases, unknown []string) {
	for _, n := range names {
		perm, alias, ok := p.ResolvePermission(n)
		switch {
		case !ok:
			unknown = append(unknown, n)
		case alias:
			aliases = append(aliases, n)
			s = s.With(perm)
		default:
			s = s.With(perm)
		}
	}
	return s, aliases, unknown
}

// Name returns perm's name, or "" if the policy does not declare it.
func (p *Policy) Name(perm Permission) string {
	if int(perm) >= len(p.perms) {
		return ""
	}
	return p.perms[perm].Name
}

// Label returns perm's label, or its name when it has none.
func (p *Policy) Label(perm Permission) string {
	if int(perm) >= len(p.perms) {
		return ""
	}
	if l := p.perms[perm].Label; l != "" {
		return l
	}
	return p.perms[perm].Name
}

// Roles returns the policy's roles in declaration order.
func (p *Policy) Roles() []Role {
	out := make([]Role, len(p.roles))
	for i, r := range p.roles {
		out[i] = r.clone()
	}
	return out
}

func (r Role) clone() Role {
	r.Fields = slices.Clone(r.Fields)
	r.Aliases = slices.Clone(r.Aliases)
	return r
}

// Role returns the role named name.
func (p *Policy) Role(name string) (Role, bool) {
	i, ok := p.roleByName[name]
	if !ok {
		return Role{}, false
	}
	return p.roles[i].clone(), true
}

// RolePerms returns the permissions of the role named name, without copying
// the role.
func (p *Policy) RolePerms(name string) (Set, bool) {
	i, ok := p.roleByName[name]
	if !ok {
		return Set{}, false
	}
	return p.roles[i].Perms, true
}

// Valid reports whether p was made by NewPolicy or ParsePolicy; the zero
// Policy is not, and answers as a policy without roles or permissions.
func (p *Policy) Valid() bool { return p != nil && len(p.roles) > 0 }

// Owner returns the owner role.
func (p *Policy) Owner() Role {
	if !p.Valid() {
		return Role{}
	}
	return p.roles[p.owner].clone()
}

// IsOwner reports whether role names the owner role.
func (p *Policy) IsOwner(role string) bool { return p.Valid() && role == p.roles[p.owner].Name }

// DemoteOwnerTo returns the role a previous owner takes after a transfer.
func (p *Policy) DemoteOwnerTo() Role {
	if !p.Valid() {
		return Role{}
	}
	return p.roles[p.demote].clone()
}

// Gate returns the permission that gates action a; ok is false when the
// action is the owner's alone.
func (p *Policy) Gate(a Action) (perm Permission, ok bool) {
	if a >= numActions {
		return 0, false
	}
	return p.gates[a], p.gated[a]
}

// Lifecycle returns the permissions that gate some lifecycle action. A
// partnership never carries them.
func (p *Policy) Lifecycle() Set { return p.lifecycle }

// InviteExpiry returns how long invitations stay valid by default.
func (p *Policy) InviteExpiry() time.Duration { return p.expiry }

// AcceptAnyEmail reports whether an invitation may be accepted by a user
// whose e-mail differs from the invited one.
func (p *Policy) AcceptAnyEmail() bool { return p.anyEmail }

// InactiveKeysValid reports whether a deactivated member's API keys keep
// working.
func (p *Policy) InactiveKeysValid() bool { return p.keysValid }

// FieldAllowed reports whether a member of role may carry profile field key.
func (p *Policy) FieldAllowed(role, key string) bool {
	if slices.Contains(p.fields, key) {
		return true
	}
	if i, ok := p.roleByName[role]; ok {
		return slices.Contains(p.roles[i].Fields, key)
	}
	return false
}

// ParseSet returns the set of the named permissions. An unknown name is an
// error wrapping ErrUnknownPermission; nothing is silently dropped.
func (p *Policy) ParseSet(names ...string) (Set, error) {
	var s Set
	for _, name := range names {
		perm, ok := p.byName[name]
		if !ok {
			return Set{}, fmt.Errorf("%w: %q", ErrUnknownPermission, name)
		}
		s = s.With(perm)
	}
	return s, nil
}

// Names returns the names of the permissions in s, in permission order. A
// permission the policy does not declare is an error wrapping
// ErrUnknownPermission.
func (p *Policy) Names(s Set) ([]string, error) {
	if extra := s.Difference(p.all); !extra.IsEmpty() {
		return nil, fmt.Errorf("%w: %v", ErrUnknownPermission, extra)
	}
	names := make([]string, 0, s.Len())
	for perm := range s.All() {
		names = append(names, p.perms[perm].Name)
	}
	return names, nil
}

// MarshalSet encodes s as a JSON array of permission names.
func (p *Policy) MarshalSet(s Set) ([]byte, error) {
	names, err := p.Names(s)
	if err != nil {
		return nil, err
	}
	return json.Marshal(names)
}

// UnmarshalSet decodes a JSON array of permission names.
func (p *Policy) UnmarshalSet(data []byte) (Set, error) {
	var names []string
	if err := json.Unmarshal(data, &names); err != nil {
		return Set{}, fmt.Errorf("%w: %v", ErrUnknownPermission, err)
	}
	return p.ParseSet(names...)
}

// Spec returns a Spec that NewPolicy turns back into an equal Policy.
func (p *Policy) Spec() Spec {
	if !p.Valid() {
		return Spec{}
	}
	s := Spec{
		Permissions:       clonePerms(p.perms),
		Owner:             p.roles[p.owner].Name,
		InviteExpiry:      p.expiry,
		AcceptAnyEmail:    p.anyEmail,
		InactiveKeysValid: p.keysValid,
		Fields:            slices.Clone(p.fields),
		DemoteOwnerTo:     p.roles[p.demote].Name,
	}
	for _, r := range p.roles {
		s.Roles = append(s.Roles, RoleSpec{Name: r.Name, Label: r.Label, Permissions: r.Perms, Fields: slices.Clone(r.Fields), Aliases: slices.Clone(r.Aliases)})
	}
	for a := range numActions {
		if p.gated[a] {
			if s.Gates == nil {
				s.Gates = make(map[Action]Permission)
			}
			s.Gates[a] = p.gates[a]
		}
	}
	return s
}

func clonePerms(perms []PermissionSpec) []PermissionSpec {
	out := slices.Clone(perms)
	for i := range out {
		out[i].Aliases = slices.Clone(out[i].Aliases)
	}
	return out
}

// The JSON form names permissions instead of numbering them.
type policyJSON struct {
	Permissions       []permJSON        `json:"permissions"`
	Roles             []roleJSON        `json:"roles"`
	Owner             string            `json:"owner"`
	Gates             map[string]string `json:"gates,omitempty"`
	DemoteOwnerTo     string            `json:"demote_owner_to,omitempty"`
	InviteExpiry      string            `json:"invite_expiry,omitempty"`
	AcceptAnyEmail    bool              `json:"accept_any_email,omitempty"`
	InactiveKeysValid bool              `json:"inactive_keys_valid,omitempty"`
	Fields            []string          `json:"fields,omitempty"`
}

type roleJSON struct {
	Name        string   `json:"name"`
	Label       string   `json:"label,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
	Fields      []string `json:"fields,omitempty"`
	Aliases     []string `json:"aliases,omitempty"`
}

// permJSON is a permission name, or {"name": …, "label": …, "aliases": […]}.
type permJSON PermissionSpec

func (pj permJSON) MarshalJSON() ([]byte, error) {
	if pj.Label == "" && len(pj.Aliases) == 0 {
		return json.Marshal(pj.Name)
	}
	return json.Marshal(struct {
		Name    string   `json:"name"`
		Label   string   `json:"label,omitempty"`
		Aliases []string `json:"aliases,omitempty"`
	}{pj.Name, pj.Label, pj.Aliases})
}

func (pj *permJSON) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &pj.Name)
	}
	var v struct {
		Name    string   `json:"name"`
		Label   string   `json:"label"`
		Aliases []string `json:"aliases"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*pj = permJSON(v)
	return nil
}

// MarshalJSON encodes the policy with permission and action names.
func (p *Policy) MarshalJSON() ([]byte, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("%w: the zero Policy", ErrInvalidPolicy)
	}
	v := policyJSON{
		Owner:             p.roles[p.owner].Name,
		AcceptAnyEmail:    p.anyEmail,
		InactiveKeysValid: p.keysValid,
		Fields:            p.fields,
		DemoteOwnerTo:     p.roles[p.demote].Name,
	}
	if p.expiry != DefaultInviteExpiry {
		v.InviteExpiry = p.expiry.String()
	}
	for _, ps := range p.perms {
		v.Permissions = append(v.Permissions, permJSON(ps))
	}
	for i, r := range p.roles {
		rj := roleJSON{Name: r.Name, Label: r.Label, Fields: r.Fields, Aliases: r.Aliases}
		if i != p.owner {
			rj.Permissions, _ = p.Names(r.Perms)
		}
		v.Roles = append(v.Roles, rj)
	}
	for a := range numActions {
		if p.gated[a] {
			if v.Gates == nil {
				v.Gates = make(map[string]string)
			}
			v.Gates[a.String()] = p.perms[p.gates[a]].Name
		}
	}
	return json.Marshal(v)
}

// UnmarshalJSON decodes and validates a policy, as ParsePolicy does.
func (p *Policy) UnmarshalJSON(data []byte) error {
	q, err := ParsePolicy(data)
	if err != nil {
		return err
	}
	*p = *q
	return nil
}

// ParsePolicy decodes a policy from JSON, in the form MarshalJSON writes:
//
//	{
//	  "permissions": ["products.view", {"name": "products.edit", "label": "Edit products"}],
//	  "roles": [
//	    {"name": "owner"},
//	    {"name": "editor", "permissions": ["products.view", "products.edit"]}
//	  ],
//	  "owner": "owner",
//	  "gates": {"invite": "products.edit"},
//	  "invite_expiry": "72h"
//	}
//
// Unknown fields, unknown names and malformed values are errors wrapping
// ErrInvalidPolicy; more than MaxPolicyBytes of data is refused before it is
// decoded, with an error wrapping ErrPolicyTooLarge too.
func ParsePolicy(data []byte) (*Policy, error) {
	if len(data) > MaxPolicyBytes {
		return nil, fmt.Errorf("%w: %w: %d bytes, at most %d (MaxPolicyBytes)", ErrInvalidPolicy, ErrPolicyTooLarge, len(data), MaxPolicyBytes)
	}
	var v policyJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the policy", ErrInvalidPolicy)
	}
	spec, err := v.spec()
	if err != nil {
		return nil, invalidPolicy(err)
	}
	return NewPolicy(spec)
}

func (v *policyJSON) spec() (Spec, error) {
	spec := Spec{
		Owner:             v.Owner,
		DemoteOwnerTo:     v.DemoteOwnerTo,
		AcceptAnyEmail:    v.AcceptAnyEmail,
		InactiveKeysValid: v.InactiveKeysValid,
		Fields:            v.Fields,
	}
	if err := checkCounts(len(v.Permissions), len(v.Roles)); err != nil {
		return Spec{}, err
	}
	byName := make(map[string]Permission, len(v.Permissions))
	for i, pj := range v.Permissions {
		spec.Permissions = append(spec.Permissions, PermissionSpec(pj))
		if _, dup := byName[pj.Name]; !dup {
			byName[pj.Name] = Permission(i)
		}
	}
	lookup := func(where, name string) (Permission, error) {
		perm, ok := byName[name]
		if !ok {
			return 0, fmt.Errorf("%w: %s names %q", ErrUnknownPermission, where, name)
		}
		return perm, nil
	}
	for _, rj := range v.Roles {
		rs := RoleSpec{Name: rj.Name, Label: rj.Label, Fields: rj.Fields, Aliases: rj.Aliases}
		for _, name := range rj.Permissions {
			perm, err := lookup("role "+rj.Name, name)
			if err != nil {
				return Spec{}, err
			}
			rs.Permissions = rs.Permissions.With(perm)
		}
		spec.Roles = append(spec.Roles, rs)
	}
	for an, pn := range v.Gates {
		a, err := ParseAction(an)
		if err != nil {
			return Spec{}, err
		}
		perm, err := lookup("gate "+an, pn)
		if err != nil {
			return Spec{}, err
		}
		if spec.Gates == nil {
			spec.Gates = make(map[Action]Permission)
		}
		spec.Gates[a] = perm
	}
	if v.InviteExpiry != "" {
		d, err := time.ParseDuration(v.InviteExpiry)
		if err != nil {
			return Spec{}, fmt.Errorf("invite_expiry: %w", err)
		}
		if d <= 0 {
			return Spec{}, errors.New("invite_expiry must be positive")
		}
		spec.InviteExpiry = d
	}
	return spec, nil
}
