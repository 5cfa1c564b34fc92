package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/rosterhq/roster/access"
)

// Status is a member's status.
type Status uint8

// The statuses. An inactive member keeps its record, role and API keys and can
// do nothing through its own session; reactivation restores exactly what it
// had.
const (
	Active Status = iota + 1
	Inactive
)

func (s Status) String() string {
	switch s {
	case Active:
		return "active"
	case Inactive:
		return "inactive"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// ParseStatus parses "active" or "inactive".
func ParseStatus(s string) (Status, error) {
	switch s {
	case "active":
		return Active, nil
	case "inactive":
		return Inactive, nil
	}
	return 0, fmt.Errorf("%w: status %q", ErrInvalid, s)
}

// Kind distinguishes staff members from external collaborators.
type Kind uint8

// The kinds of member.
const (
	// Staff members hold a role and take a seat.
	Staff Kind = iota + 1
	// External collaborators hold no role, only the permissions approved
	// for them, and take no seat (seed 002).
	External
)

func (k Kind) String() string {
	switch k {
	case Staff:
		return "staff"
	case External:
		return "external"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ParseKind parses "staff" or "external".
func ParseKind(s string) (Kind, error) {
	switch s {
	case "staff":
		return Staff, nil
	case "external":
		return External, nil
	}
	return 0, fmt.Errorf("%w: kind %q", ErrInvalid, s)
}

// A Member is one user's membership of one organisation.
//
// Members returned by a store are resolved: Can, CanIn, CanDo and Explain
// answer from the effective permissions computed when the member was loaded.
// A Member is a value; none of its fields aliases a store's state.
type Member struct {
	ID     ID
	Org    ID
	UserID string // the host's identifier for the user; roster keeps no identities
	Email  string // normalised: trimmed, lower case
	Name   string // display name
	Role   string // a role of the policy or a custom role; "" for external collaborators
	Allow  access.Set
	Deny   access.Set
	Scopes access.Scopes
	Status Status
	Kind   Kind
	// Profile holds the host's profile fields, as the policy allows them
	// for the member's role (seed 000's commission percentage).
	Profile Profile
	// Until, if set, is when the member's access ends (a support agent
	// for a week, an agency for a campaign): from then on every read
	// returns the member with a grant that allows nothing, as if inactive,
	// without waiting for any job. Its record, role and keys stay, and it
	// keeps its seat, as an inactive member does, until it is removed or
	// its end is moved (member.SetExpiry); an owner has no end.
	Until time.Time
	// EndRecorded says that the end has been written to the audit log
	// (MemberExpired), once, by the first unit of work or sweep that
	// noticed it (member.RecordEndsTx, member.ExpireDue). Moving the end
	// clears it.
	EndRecorded bool
	Created     time.Time
	Updated     time.Time
	// Stale holds the names this record was stored with that are not
	// current names of the policy: aliases, and permissions the policy
	// dropped (see StaleName). Stores keep them on write; rules leave them.
	Stale []StaleName

	grant  access.Grant
	key    ID     // the service key this principal is, if any (ServiceKeyMember)
	system string // the system principal's name, for SystemMember
}

// Expired reports whether m's access has ended by now: it has an end, and
// now is not before it.
func (m *Member) Expired(now time.Time) bool { return !m.Until.IsZero() && !now.Before(m.Until) }

// At settles m's grant at now: past its end (Until), the grant allows
// nothing and says that the access ended. Stores call it on every member
// they return, with the time of the read (Env.Now outside a unit of work,
// Tx.Now inside); for a member without an end it costs one comparison.
func (m *Member) At(now time.Time) {
	if !m.Until.IsZero() {
		m.grant = m.grant.At(now)
	}
}

// Can reports whether the member may do p now: a bit test on the effective
// permissions resolved at load, false whenever the member is inactive.
//
// Can, CanIn and CanDo take a pointer, so that a check copies nothing of
// the member: on a value, Can measured 15-33 ns against 2-3 ns
// (BenchmarkMemberCan), the cost of copying the whole record. Call them on
// a variable (m.Can), or on m.Grant() where you have a value. Explain and
// ExplainDo, which build an answer anyway, take a value, so that they are
// called on a member as a function returns it (lookup().Explain(p)).
func (m *Member) Can(p access.Permission) bool { return m.grant.Can(p) }

// CanIn reports whether the member may do p in each of scopes.
func (m *Member) CanIn(p access.Permission, scopes ...string) bool {
	return m.grant.CanIn(p, scopes...)
}

// CanDo reports whether the member may take lifecycle action a.
func (m *Member) CanDo(a access.Action) bool { return m.grant.CanDo(a) }

// Explain says why Can or CanIn answers as it does.
func (m Member) Explain(p access.Permission, scopes ...string) access.Decision {
	return m.grant.Explain(p, scopes...)
}

// ExplainDo says why CanDo answers as it does.
func (m Member) ExplainDo(a access.Action) access.Decision { return m.grant.ExplainDo(a) }

// Grant returns the member's resolved grant.
func (m Member) Grant() access.Grant { return m.grant }

// ThroughKey returns m as it acts through its API key k: the same
// permissions, attributed to the key, and in force even while m is inactive
// (for a policy that keeps an inactive member's keys valid).
//
// A key limited to some permissions (k.Limits) holds what m holds and
// k.Perms lists: computed now, from m as loaded, so that the key narrows
// with its member. A key whose permissions the policy all dropped holds
// nothing.
func (m Member) ThroughKey(k Key) Member {
	m.grant = m.grant.Through(access.FromKey, "key "+k.Prefix, true)
	if k.Limits() {
		m.grant = m.grant.Within(k.Perms)
	}
	return m
}

// ServiceKeyMember returns the principal of the organisation's service key
// k under policy p: no member, no role, exactly k's permissions (within the
// policy's), active, named as the key; its ID is the key's, and the audit
// log attributes what it does to the key (Party.Key). Stores and
// member.Authenticate call it; a host rarely needs it.
func ServiceKeyMember(p *access.Policy, k Key) Member {
	m := Member{ID: k.ID, Org: k.Org, Name: k.Name, Status: Active, Kind: Staff, Created: k.Created, Updated: k.Created, key: k.ID}
	m.grant = access.NewGrant(access.GrantSpec{Policy: p, Source: access.FromServiceKey, Allow: k.Perms, Active: true, Via: "key " + k.Prefix})
	return m
}

// ServiceKey returns the ID of the service key m is the principal of
// (ServiceKeyMember), or the zero ID for a member.
func (m Member) ServiceKey() ID { return m.key }

// IsOwner reports whether the member is the organisation's owner.
func (m Member) IsOwner() bool { return m.grant.IsOwner() }

// Party returns the snapshot of m that audit events keep.
func (m Member) Party() Party {
	if m.key != (ID{}) {
		return Party{Key: m.key, Name: m.Name}
	}
	if m.system != "" {
		return Party{System: m.system}
	}
	return Party{Member: m.ID, UserID: m.UserID, Name: m.Name, Email: m.Email}
}

// Resolve computes m's grant. rolePerms is the permissions of m's role when
// it is a custom role of the organisation; for a role of the policy (and for
// external collaborators, who have none) it is ignored. Stores call Resolve
// on every member they return; a host never needs it.
func Resolve(p *access.Policy, m *Member, rolePerms access.Set) {
	spec := access.GrantSpec{
		Policy: p,
		Role:   m.Role,
		Allow:  m.Allow,
		Deny:   m.Deny,
		Scopes: m.Scopes,
		Active: m.Status == Active,
		Until:  m.Until,
	}
	if m.Kind == External {
		spec.Source = access.FromCollaborator
	} else if perms, ok := p.RolePerms(m.Role); ok {
		spec.RolePerms = perms
	} else {
		spec.RolePerms = rolePerms
	}
	m.grant = access.NewGrant(spec)
}

// MarshalJSON writes the member with permissions named through the policy it
// was resolved with, and its effective permissions.
func (m Member) MarshalJSON() ([]byte, error) {
	p := m.grant.Policy()
	if p == nil {
		return nil, fmt.Errorf("%w: member %v was not resolved", ErrInvalid, m.ID)
	}
	names := func(s access.Set) []string {
		n, _ := p.Names(s.Intersect(p.All()))
		return n
	}
	// What the member may do now, within its scopes: a scope-limited
	// member's Can answers no without a scope (access.ScopeLimited).
	var perms access.Set
	if m.grant.Active() {
		perms = m.grant.Held()
	}
	return json.Marshal(struct {
		ID          ID            `json:"id"`
		Org         ID            `json:"org"`
		UserID      string        `json:"user_id"`
		Email       string        `json:"email"`
		Name        string        `json:"name,omitempty"`
		Role        string        `json:"role,omitempty"`
		Allow       []string      `json:"allow,omitempty"`
		Deny        []string      `json:"deny,omitempty"`
		Scopes      access.Scopes `json:"scopes"`
		Status      string        `json:"status"`
		Kind        string        `json:"kind"`
		Profile     Profile       `json:"profile"`
		Owner       bool          `json:"owner"`
		Permissions []string      `json:"permissions"`
		Until       time.Time     `json:"until,omitzero"`
		Ended       bool          `json:"ended,omitempty"`
		Created     time.Time     `json:"created"`
		Updated     time.Time     `json:"updated"`
	}{m.ID, m.Org, m.UserID, m.Email, m.Name, m.Role, names(m.Allow), names(m.Deny), m.Scopes,
		m.Status.String(), m.Kind.String(), m.Profile, m.grant.IsOwner(), names(perms), m.Until, m.grant.Ended(), m.Created, m.Updated})
}

// Filter selects members: zero fields select everything.
type Filter struct {
	Status Status
	Kind   Kind
	Role   string
}

// Match reports whether m passes the filter.
func (f Filter) Match(m *Member) bool {
	return (f.Status == 0 || m.Status == f.Status) &&
		(f.Kind == 0 || m.Kind == f.Kind) &&
		(f.Role == "" || m.Role == f.Role)
}
