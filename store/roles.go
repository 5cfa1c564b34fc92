package store

import (
	"time"

	"github.com/rosterhq/roster/access"
)

// A Role is a custom role of one organisation, beside the policy's roles.
type Role struct {
	Org     ID
	Name    string
	Label   string
	Perms   access.Set
	Created time.Time
	Updated time.Time
	// Stale holds the names this record was stored with that are not
	// current names of the policy: aliases, and permissions the policy
	// dropped (see StaleName). Stores keep them on write; rules leave them.
	Stale []StaleName
}
