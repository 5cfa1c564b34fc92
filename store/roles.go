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
}
