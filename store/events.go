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
	Actor  Party     `json:"actor"`  // zero for the host acting as the system
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
