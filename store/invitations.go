package store

import (
	"fmt"
	"time"

	"github.com/rosterhq/roster/access"
)

// InvitationStatus is an invitation's status. An invitation is pending until it is
// accepted, declined or cancelled; a pending invitation past its expiry is
// expired (see Invitation.Expired) and frees its seat. Sending a new
// invitation to the same address closes an expired one as Expired.
type InvitationStatus uint8

// The statuses of an invitation.
const (
	Pending InvitationStatus = iota + 1
	Accepted
	Declined
	Cancelled
	Expired
)

func (s InvitationStatus) String() string {
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

// ParseInvitationStatus parses an InvitationStatus name.
func ParseInvitationStatus(s string) (InvitationStatus, error) {
	for st := Pending; st <= Expired; st++ {
		if st.String() == s {
			return st, nil
		}
	}
	return 0, fmt.Errorf("%w: invitation status %q", ErrInvalid, s)
}

// InvitationKind says what an invitation is for.
type InvitationKind uint8

// The kinds of invitation.
const (
	// ForMember invites a person to join as a staff member.
	ForMember InvitationKind = iota + 1
	// ForPartner invites another organisation to a partnership.
	ForPartner
)

func (k InvitationKind) String() string {
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
	Kind      InvitationKind
	Email     string // normalised
	Role      string // the role to join with, or the partnership's level
	Allow     access.Set
	Deny      access.Set
	Scopes    access.Scopes
	Profile   Profile
	InvitedBy Party
	Status    InvitationStatus
	TokenHash [32]byte
	Sealed    []byte        // the token sealed with the link key, or nil
	TTL       time.Duration // how long each (re)send stays valid
	Sent      time.Time     // last sent or resent
	Expires   time.Time
	Resends   int
	// Until, if set, is the end of the access that accepting gives: the
	// member's (Member.Until) or the partnership's (Partnership.Until).
	// Accepting after it is ErrExpired.
	Until time.Time
	// Joined is the member (or, for a partnership, the partnership) that
	// accepting created.
	Joined  ID
	Created time.Time
	Updated time.Time
	// Stale holds the names this record was stored with that are not
	// current names of the policy: aliases, and permissions the policy
	// dropped (see StaleName). Stores keep them on write; rules leave them.
	Stale []StaleName
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

// InvitationFilter selects invitations: zero fields select everything.
type InvitationFilter struct {
	Status InvitationStatus
	Kind   InvitationKind
}
