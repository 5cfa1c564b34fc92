package store

import (
	"time"

	"github.com/google/uuid"
)

// An ID identifies an organisation, member, role, key, invitation or event:
// a UUIDv7, so that IDs sort roughly by creation time.
type ID = uuid.UUID

// A Membership is one of a user's memberships with the organisation it is
// in, as Store.UserOrgs lists them: a row of an organisation switcher.
type Membership struct {
	Member Member // the user's member of Org: its role, status and grant
	Org    Org
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
