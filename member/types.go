package member

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
)

// An ID identifies an organisation, member, role, key, invitation or event:
// a UUIDv7, so that IDs sort roughly by creation time.
type ID = uuid.UUID

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

// An Org is an organisation: the tenant whose members roster manages.
type Org struct {
	ID        ID
	Name      string
	SeatLimit int // members plus pending invitations; 0 means unlimited
	// PendingOwner is the member a two-step ownership transfer was
	// proposed to, or the nil ID.
	PendingOwner ID
	Created      time.Time
	Updated      time.Time
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
	Created time.Time
	Updated time.Time

	grant access.Grant
}

// Can reports whether the member may do p now: a bit test on the effective
// permissions resolved at load, false whenever the member is inactive.
//
// The checks take a pointer, so that a check copies nothing of the member;
// call them on a variable (m.Can), or on m.Grant() where you have a value.
func (m *Member) Can(p access.Permission) bool { return m.grant.Can(p) }

// CanIn reports whether the member may do p in each of scopes.
func (m *Member) CanIn(p access.Permission, scopes ...string) bool {
	return m.grant.CanIn(p, scopes...)
}

// CanDo reports whether the member may take lifecycle action a.
func (m *Member) CanDo(a access.Action) bool { return m.grant.CanDo(a) }

// Explain says why Can or CanIn answers as it does.
func (m *Member) Explain(p access.Permission, scopes ...string) access.Decision {
	return m.grant.Explain(p, scopes...)
}

// ExplainDo says why CanDo answers as it does.
func (m *Member) ExplainDo(a access.Action) access.Decision { return m.grant.ExplainDo(a) }

// Grant returns the member's resolved grant.
func (m Member) Grant() access.Grant { return m.grant }

// IsOwner reports whether the member is the organisation's owner.
func (m Member) IsOwner() bool { return m.grant.IsOwner() }

// Party returns the snapshot of m that audit events keep.
func (m Member) Party() Party {
	return Party{Member: m.ID, UserID: m.UserID, Name: m.Name, Email: m.Email}
}

// Resolve computes m's grant. rolePerms is the permissions of m's role when
// it is a custom role of the organisation; for a role of the policy (and for
// external collaborators, who have none) it is ignored. Stores call Resolve
// on every member they return.
func Resolve(p *access.Policy, m *Member, rolePerms access.Set) {
	spec := access.GrantSpec{
		Policy: p,
		Role:   m.Role,
		Allow:  m.Allow,
		Deny:   m.Deny,
		Scopes: m.Scopes,
		Active: m.Status == Active,
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
		Created     time.Time     `json:"created"`
		Updated     time.Time     `json:"updated"`
	}{m.ID, m.Org, m.UserID, m.Email, m.Name, m.Role, names(m.Allow), names(m.Deny), m.Scopes,
		m.Status.String(), m.Kind.String(), m.Profile, m.grant.IsOwner(), names(m.grant.Perms()), m.Created, m.Updated})
}

// A Role is a custom role of one organisation, beside the policy's roles.
type Role struct {
	Org     ID
	Name    string
	Label   string
	Perms   access.Set
	Created time.Time
	Updated time.Time
}

// A Key is an API key bound to a member. Only its SHA-256 hash is kept; the
// secret is shown once, when the key is issued.
type Key struct {
	ID      ID
	Org     ID
	Member  ID
	Name    string
	Prefix  string // the secret's first characters, to recognise it in a list
	Hash    [32]byte
	Created time.Time
}

// A Party is who acted or was acted on, as an audit event remembers them:
// names and e-mail are a snapshot, so attribution survives removal.
type Party struct {
	Member ID     `json:"member,omitzero"`
	UserID string `json:"user_id,omitempty"`
	Name   string `json:"name,omitempty"`
	Email  string `json:"email,omitempty"`
	Org    ID     `json:"org,omitzero"` // set when the party belongs to another organisation
}

// State is what an audit event records before and after a change; each event
// fills the fields its change concerns. Permissions are kept by name, so the
// log stays readable when the host renumbers its permissions.
type State struct {
	Role      string            `json:"role,omitempty"`
	Status    string            `json:"status,omitempty"`
	Allow     []string          `json:"allow,omitempty"`
	Deny      []string          `json:"deny,omitempty"`
	Scopes    []string          `json:"scopes,omitempty"`
	Profile   map[string]string `json:"profile,omitempty"`
	Name      string            `json:"name,omitempty"`
	Email     string            `json:"email,omitempty"`
	SeatLimit int               `json:"seat_limit,omitempty"`
	Expires   time.Time         `json:"expires,omitzero"`
	// ProposedOwner, in the Before of a deactivation, removal or leave,
	// says that ownership had been proposed to the member, and that the
	// change ended the proposal.
	ProposedOwner bool `json:"proposed_owner,omitempty"`
}

// EventType names what an audit event records.
type EventType string

// The event types written by the member package. The invite package adds its
// own.
const (
	OrgCreated        EventType = "org.created"
	OrgRenamed        EventType = "org.renamed"
	OrgSeatsChanged   EventType = "org.seats_changed"
	OrgDeleted        EventType = "org.deleted"
	MemberAdded       EventType = "member.added"
	MemberRoleChanged EventType = "member.role_changed"
	MemberPermsSet    EventType = "member.permissions_changed"
	MemberScopesSet   EventType = "member.scopes_changed"
	MemberProfileSet  EventType = "member.profile_changed"
	MemberDeactivated EventType = "member.deactivated"
	MemberReactivated EventType = "member.reactivated"
	MemberRemoved     EventType = "member.removed"
	MemberLeft        EventType = "member.left"
	OwnerTransferred  EventType = "owner.transferred"
	TransferProposed  EventType = "owner.transfer_proposed"
	TransferCancelled EventType = "owner.transfer_cancelled"
	RoleCreated       EventType = "role.created"
	RoleUpdated       EventType = "role.updated"
	RoleDeleted       EventType = "role.deleted"
	KeyIssued         EventType = "key.issued"
	KeyRevoked        EventType = "key.revoked"
)

// An Event is one entry of an organisation's audit log, which is also its
// change feed: every successful change writes exactly one, in the same
// transaction, and a refused change writes none.
type Event struct {
	ID     ID        `json:"id"`
	Org    ID        `json:"org"`
	Seq    int64     `json:"seq"` // 1, 2, 3… within the organisation, in commit order
	Time   time.Time `json:"time"`
	Type   EventType `json:"type"`
	Actor  Party     `json:"actor"`  // zero for the host acting as the system
	Target Party     `json:"target"` // the member acted on, if any
	Object ID        `json:"object,omitzero"`
	Before State     `json:"before"`
	After  State     `json:"after"`
}
