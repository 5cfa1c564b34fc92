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
	// Stale holds the names this record was stored with that are not
	// current names of the policy: aliases, and permissions the policy
	// dropped (see StaleName). Stores keep them on write; rules leave them.
	Stale []StaleName
}

// A Code is an organisation's access code, which outside users must give to
// request access: argon2id-hashed. Failures counts the wrong codes given
// since the code was set, by every requester together: once it reaches the
// rules' budget (invite.MaxWrongCodes) the code takes no more guesses until
// an admin sets a new one.
type Code struct {
	Org  ID
	Hash string // PHC-formatted argon2id hash
	// Failures is the number of wrong codes since the code was set, from
	// all requesters.
	Failures int
	// LockedUntil is no longer set: a lock is per requester (CodeAttempt).
	// Stores keep the field so that a database written by an earlier
	// version still reads; the rules ignore it.
	LockedUntil time.Time
	Updated     time.Time
}

// A CodeAttempt is one requester's record of wrong access codes in an
// organisation: the misses since its last right code, and the end of its
// lock, if any. One requester's misses never lock out another.
type CodeAttempt struct {
	Org         ID
	UserID      string
	Failures    int // wrong codes since the requester's last right one or lock
	LockedUntil time.Time
	Updated     time.Time
}
