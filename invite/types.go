package invite

import (
	"fmt"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
)

// ID is member.ID.
type ID = member.ID

// Status is an invitation's status. An invitation is pending until it is
// accepted, declined or cancelled; a pending invitation past its expiry is
// expired (see Invitation.Expired) and frees its seat. Sending a new
// invitation to the same address closes an expired one as Expired.
type Status uint8

// The statuses of an invitation.
const (
	Pending Status = iota + 1
	Accepted
	Declined
	Cancelled
	Expired
)

func (s Status) String() string {
	switch s {
	case Pending:
		return "pending"
	case Accepted:
		return "accepted"
	case Declined:
		return "declined"
	case Cancelled:
		return "cancelled"
	case Expired:
		return "expired"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// ParseStatus parses a Status name.
func ParseStatus(s string) (Status, error) {
	for st := Pending; st <= Expired; st++ {
		if st.String() == s {
			return st, nil
		}
	}
	return 0, fmt.Errorf("%w: invitation status %q", member.ErrInvalid, s)
}

// Kind says what an invitation is for.
type Kind uint8

// The kinds of invitation.
const (
	// ForMember invites a person to join as a staff member.
	ForMember Kind = iota + 1
	// ForPartner invites another organisation to a partnership.
	ForPartner
)

func (k Kind) String() string {
	switch k {
	case ForMember:
		return "member"
	case ForPartner:
		return "partner"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// An Invitation invites a person (or a partner organisation) into an
// organisation with the role, permissions, scopes and profile it carries.
// Its token is shown once; only the token's hash is stored, and, when the
// store has a link key, the token sealed with it.
type Invitation struct {
	ID        ID
	Org       ID
	Kind      Kind
	Email     string // normalised
	Role      string // the role to join with, or the partnership's level
	Allow     access.Set
	Deny      access.Set
	Scopes    access.Scopes
	Profile   member.Profile
	InvitedBy member.Party
	Status    Status
	TokenHash [32]byte
	Sealed    []byte        // the token sealed with the link key, or nil
	TTL       time.Duration // how long each (re)send stays valid
	Sent      time.Time     // last sent or resent
	Expires   time.Time
	Resends   int
	// Joined is the member (or, for a partnership, the partnership) that
	// accepting created.
	Joined  ID
	Created time.Time
	Updated time.Time
}

// Expired reports whether the invitation is pending but past its expiry at
// now, or was closed as expired.
func (i *Invitation) Expired(now time.Time) bool {
	return i.Status == Expired || i.Status == Pending && !now.Before(i.Expires)
}

// Open reports whether the invitation can still be accepted at now.
func (i *Invitation) Open(now time.Time) bool {
	return i.Status == Pending && now.Before(i.Expires)
}

// closedErr returns the error for acting on a closed invitation, or nil when
// it is pending (expired or not).
func (i *Invitation) closedErr() error {
	switch i.Status {
	case Pending:
		return nil
	case Accepted:
		return fmt.Errorf("%w: invitation %v was accepted", ErrAlreadyUsed, i.ID)
	case Declined:
		return fmt.Errorf("%w: invitation %v was declined", ErrDeclined, i.ID)
	case Cancelled:
		return fmt.Errorf("%w: invitation %v was cancelled", ErrCancelled, i.ID)
	}
	return fmt.Errorf("%w: invitation %v expired", ErrExpired, i.ID)
}

// RequestStatus is an access request's status.
type RequestStatus uint8

// The statuses of an access request.
const (
	Asked     RequestStatus = iota + 1 // waiting for review
	Approved                           // the requester is (or stays) a collaborator
	Refused                            // declined by the organisation
	Withdrawn                          // withdrawn by the requester
)

func (s RequestStatus) String() string {
	switch s {
	case Asked:
		return "asked"
	case Approved:
		return "approved"
	case Refused:
		return "refused"
	case Withdrawn:
		return "withdrawn"
	}
	return fmt.Sprintf("request_status(%d)", uint8(s))
}

// A Request is an outside user's request for access to an organisation as
// an external collaborator (seed 002), or a collaborator's request for more.
type Request struct {
	ID      ID
	Org     ID
	UserID  string
	Email   string
	Name    string
	Perms   access.Set // what was asked for
	Message string
	// Member is the collaborator asking for more, or the nil ID for a
	// new collaborator; once approved, the collaborator.
	Member    ID
	Status    RequestStatus
	Granted   access.Set // what was approved: Perms, or fewer
	DecidedBy member.Party
	Created   time.Time
	Updated   time.Time
}

// A Code is an organisation's access code, which outside users must give to
// request access: argon2id-hashed, and locked for a while after too many
// wrong attempts.
type Code struct {
	Org         ID
	Hash        string // PHC-formatted argon2id hash
	Failures    int    // wrong attempts since the last right one or lock
	LockedUntil time.Time
	Updated     time.Time
}

// Event types written by the invite package.
const (
	InvitationSent      member.EventType = "invitation.sent"
	InvitationResent    member.EventType = "invitation.resent"
	InvitationCancelled member.EventType = "invitation.cancelled"
	InvitationAccepted  member.EventType = "invitation.accepted"
	InvitationDeclined  member.EventType = "invitation.declined"
	RequestCreated      member.EventType = "request.created"
	RequestApproved     member.EventType = "request.approved"
	RequestRefused      member.EventType = "request.refused"
	RequestWithdrawn    member.EventType = "request.withdrawn"
	CodeSet             member.EventType = "access_code.set"
	CodeCleared         member.EventType = "access_code.cleared"
)
