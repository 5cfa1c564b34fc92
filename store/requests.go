package store

import (
	"fmt"
	"time"

	"github.com/rosterhq/roster/access"
)

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
	DecidedBy Party
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
