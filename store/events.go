package store

import "time"

// A Party is who acted or was acted on, as an audit event remembers them:
// names and e-mail are a snapshot, so attribution survives removal.
type Party struct {
	Member ID     `json:"member,omitzero"`
	UserID string `json:"user_id,omitempty"`
	Name   string `json:"name,omitempty"`
	Email  string `json:"email,omitempty"`
	Org    ID     `json:"org,omitzero"` // set when the party belongs to another organisation
	// Key is set when the party is an API key that belongs to no member:
	// an organisation's service key, acting in its own name (actor kind
	// "key"), or the service key an event concerns. Name is then the key's.
	Key ID `json:"key,omitzero"`
	// System names the host's system principal that acted (member.AsSystem:
	// "support", "scim", "billing"); the other fields are then empty. An
	// actor with no field set at all is the host acting unnamed (as
	// member.SetSeatLimit outside AsSystem).
	System string `json:"system,omitempty"`
}

// Kind says what kind of party p is: "key" for a service key, "member" for
// a member, "system" for the host's system principal (System) and for the
// zero Party (the host acting unnamed).
func (p Party) Kind() string {
	switch {
	case p.Key != (ID{}):
		return "key"
	case p.Member != (ID{}) || p.UserID != "":
		return "member"
	}
	return "system"
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
	// Until is a member's or a partnership's end (Member.Until), in the
	// events that set, move or record it.
	Until time.Time `json:"until,omitzero"`
	// Permissions are an API key's, by name.
	Permissions []string `json:"permissions,omitempty"`
	// Replaces names the key a rotation replaced.
	Replaces ID `json:"replaces,omitzero"`
	// ProposedOwner, in the Before of a deactivation, removal or leave,
	// says that ownership had been proposed to the member, and that the
	// change ended the proposal.
	ProposedOwner bool `json:"proposed_owner,omitempty"`
	// Collaborators, in a partnership's state, says that it reaches the
	// partner's external collaborators (Partnership.Collaborators).
	Collaborators bool `json:"collaborators,omitempty"`
}

// EventType names what an audit event records.
type EventType string

// The event types of the member rules.
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
	// MemberExpiryChanged: a member's end was set, moved or cleared
	// (Before.Until, After.Until).
	MemberExpiryChanged EventType = "member.expiry_changed"
	// MemberExpired: the member reached its end (Member.Until); written
	// once, by the first unit of work or sweep that noticed it, with no
	// actor.
	MemberExpired EventType = "member.expired"
	// KeyRotated: a key's new secret was issued (Object is the new key)
	// and the old one (After.Replaces) stops at After.Expires.
	KeyRotated EventType = "key.rotated"
	// DriftPruned: member.PruneDrift rewrote the names stored under an
	// older policy; Before.Allow lists them, as "kind field name".
	DriftPruned EventType = "org.drift_pruned"
)

// An Event is one entry of an organisation's audit log, which is also the
// store's change feed: every successful change writes exactly one, in the
// same transaction, and a refused change writes none.
type Event struct {
	ID  ID    `json:"id"`
	Org ID    `json:"org"`
	Seq int64 `json:"seq"` // 1, 2, 3… within the organisation, in commit order
	// Pos is the event's position in the store's change feed (Feed): 1, 2,
	// 3… across every organisation. It is 0 on an event read before the
	// feed placed it (a SQL store places events when the feed is next
	// read, see Store.Feed).
	Pos    int64     `json:"pos,omitempty"`
	Time   time.Time `json:"time"`
	Type   EventType `json:"type"`
	Actor  Party     `json:"actor"`  // Actor.System names the host acting as the system; zero when unnamed
	Target Party     `json:"target"` // the member acted on, if any
	Object ID        `json:"object,omitzero"`
	Before State     `json:"before"`
	After  State     `json:"after"`
}

// The event types of invitations and access requests.
const (
	InvitationSent      EventType = "invitation.sent"
	InvitationResent    EventType = "invitation.resent"
	InvitationCancelled EventType = "invitation.cancelled"
	InvitationAccepted  EventType = "invitation.accepted"
	InvitationDeclined  EventType = "invitation.declined"
	RequestCreated      EventType = "request.created"
	RequestApproved     EventType = "request.approved"
	RequestRefused      EventType = "request.refused"
	RequestWithdrawn    EventType = "request.withdrawn"
	CodeSet             EventType = "access_code.set"
	CodeCleared         EventType = "access_code.cleared"
	// CodeExhausted: the wrong code that spent the access code's budget
	// (invite.MaxWrongCodes); the code takes no more guesses until an admin
	// sets a new one. The actor is the requester who gave it.
	CodeExhausted EventType = "access_code.exhausted"
)

// The event types of the host's operations on a user across organisations
// (member.ChangeEmail, member.Erase); member.Deprovision writes
// OwnerTransferred and MemberRemoved.
const (
	// MemberEmailChanged: the host changed the member's e-mail (Before
	// and After carry the old and the new).
	MemberEmailChanged EventType = "member.email_changed"
)
