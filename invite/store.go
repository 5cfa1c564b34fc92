package invite

import (
	"context"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
)

// InvitationTx reads and writes an organisation's invitations in a unit of
// work.
type InvitationTx interface {
	// Invitation returns the invitation with id, or ErrNotFound (also for
	// an invitation of another organisation).
	Invitation(ctx context.Context, id ID) (Invitation, error)
	// InvitationByHash returns the invitation whose current token hashes to
	// hash, or ErrNotFound.
	InvitationByHash(ctx context.Context, hash [32]byte) (Invitation, error)
	// PendingInvitation returns the invitation of kind to email whose
	// status is Pending (expired or not), or ErrNotFound.
	PendingInvitation(ctx context.Context, kind Kind, email string) (Invitation, error)
	// PutInvitation inserts or replaces the invitation with inv.ID. A
	// second pending invitation of the same kind to the same e-mail is
	// ErrAlreadyInvited; a token hash another invitation has is
	// member.ErrConflict.
	PutInvitation(ctx context.Context, inv Invitation) error
}

// RequestTx reads and writes access requests and the access code.
type RequestTx interface {
	// Request returns the request with id, or ErrNotFound.
	Request(ctx context.Context, id ID) (Request, error)
	// OpenRequest returns the user's request whose status is Asked, or
	// ErrNotFound.
	OpenRequest(ctx context.Context, user string) (Request, error)
	// PutRequest inserts or replaces the request with r.ID.
	PutRequest(ctx context.Context, r Request) error
	// Code returns the organisation's access code, or ErrNotFound.
	Code(ctx context.Context) (Code, error)
	// PutCode sets the access code; a Code with an empty Hash removes it.
	PutCode(ctx context.Context, c Code) error
}

// PartnerTx reads and writes the partnerships an organisation grants.
type PartnerTx interface {
	// Partnership returns the partnership with id that the organisation
	// grants, or ErrNotFound.
	Partnership(ctx context.Context, id ID) (Partnership, error)
	// PartnershipWith returns the partnership the organisation grants to
	// partner, or ErrNotFound.
	PartnershipWith(ctx context.Context, partner ID) (Partnership, error)
	// PutPartnership inserts or replaces the partnership with ps.ID. A
	// second partnership with the same partner is member.ErrExists.
	PutPartnership(ctx context.Context, ps Partnership) error
	// DeletePartnership deletes the partnership, or returns ErrNotFound.
	DeletePartnership(ctx context.Context, id ID) error
}

// Tx is a unit of work on one organisation, as member.Tx, with invitations,
// requests and partnerships.
type Tx interface {
	member.Tx
	InvitationTx
	RequestTx
	PartnerTx
}

// InvitationFilter selects invitations: zero fields select everything.
type InvitationFilter struct {
	Status Status
	Kind   Kind
}

// Reader reads invitations and requests outside a unit of work.
type Reader interface {
	// Invitation returns an invitation of org, or ErrNotFound.
	Invitation(ctx context.Context, org, id ID) (Invitation, error)
	// Invitations lists the invitations of org that pass f, ordered by
	// ID, one page at a time; next is "" after the last page.
	Invitations(ctx context.Context, org ID, f InvitationFilter, p member.Page) (invs []Invitation, next string, err error)
	// InvitationOrg returns the organisation holding the invitation whose
	// current token hashes to hash, or ErrNotFound.
	InvitationOrg(ctx context.Context, hash [32]byte) (ID, error)
	// Request returns an access request of org, or ErrNotFound.
	Request(ctx context.Context, org, id ID) (Request, error)
	// Requests lists the access requests of org with status st (0 for
	// all), ordered by ID, one page at a time.
	Requests(ctx context.Context, org ID, st RequestStatus, p member.Page) (rs []Request, next string, err error)
	// Partnership returns a partnership that org grants or receives, or
	// ErrNotFound.
	Partnership(ctx context.Context, org, id ID) (Partnership, error)
	// Partnerships lists the partnerships that org grants or receives,
	// ordered by ID.
	Partnerships(ctx context.Context, org ID) ([]Partnership, error)
	// Principal returns what the host's user may do in org: its member's
	// grant if it is a member of org; otherwise the grant of a partnership
	// of org (see ResolvePartner) with the first of the user's
	// organisations, by ID, that org partners with. Without either it is
	// ErrNotFound. It is the request-time lookup, and fast.
	Principal(ctx context.Context, org ID, user string) (access.Grant, error)
}

// Store is what the invite rules run on.
type Store interface {
	member.Store
	Reader
	// UpdateInvites runs fn in a unit of work on org, as
	// member.Store.UpdateMembers does.
	UpdateInvites(ctx context.Context, org ID, fn func(Tx) error) error
	// UpdateByToken runs fn in a unit of work on the organisation holding
	// the invitation whose current token hashes to hash, as UpdateInvites
	// does; without one it is ErrNotFound and fn does not run. It saves the
	// separate InvitationOrg lookup on the path of every accept.
	UpdateByToken(ctx context.Context, hash [32]byte, fn func(Tx) error) error
	// UpdatePair runs fn in one unit of work on two organisations, a and
	// b, locked in a fixed order so that pairs never deadlock. Either is
	// missing: ErrNotFound; a == b: ErrInvalid.
	UpdatePair(ctx context.Context, a, b ID, fn func(ta, tb Tx) error) error
}
