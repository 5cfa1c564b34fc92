package store

import (
	"fmt"
	"time"

	"github.com/rosterhq/roster/access"
)

// PartnerStatus is a partnership's status.
type PartnerStatus uint8

// The statuses of a partnership. A suspended partnership grants nothing but
// keeps its level and scopes, which resuming restores exactly.
const (
	PartnerActive PartnerStatus = iota + 1
	PartnerSuspended
)

func (s PartnerStatus) String() string {
	switch s {
	case PartnerActive:
		return "active"
	case PartnerSuspended:
		return "suspended"
	}
	return fmt.Sprintf("partner_status(%d)", uint8(s))
}

// A Partnership grants the members of a partner organisation access to the
// granting organisation (seed 004's retailers, distributors and agencies):
// the permissions of Level, a role of the granting organisation, minus every
// lifecycle permission, within Scopes, while the partnership is active and
// the member is active in its own organisation. It reaches the partner's
// staff; its external collaborators only where the granting organisation
// opted in (Collaborators).
type Partnership struct {
	ID      ID
	Org     ID // the granting organisation
	Partner ID // the partner organisation
	Level   string
	Scopes  access.Scopes
	Status  PartnerStatus
	// Collaborators is the granting organisation's explicit opt-in: the
	// partnership reaches the partner organisation's external
	// collaborators too, not only its staff. Off unless set with
	// invite.ChangePartner.
	Collaborators bool
	// Until, if set, is when the partnership ends (a partner until a
	// contract date): from then on it grants nothing, on every read,
	// without waiting for any job; it is kept, as a suspended one is,
	// until revoked or its end is moved (invite.ChangePartner).
	Until time.Time
	// EndRecorded says that the end has been written to both
	// organisations' audit logs (PartnerExpired), once.
	EndRecorded bool
	Invitation  ID
	Created     time.Time
	Updated     time.Time
	// Stale holds the names this record was stored with that are not
	// current names of the policy: aliases, and permissions the policy
	// dropped (see StaleName). Stores keep them on write; rules leave them.
	Stale []StaleName
}

// Event types of partnerships. Every change but the invitation writes one
// event in each of the two organisations.
const (
	PartnerInvited        EventType = "partner.invited"
	PartnerAccepted       EventType = "partner.accepted"
	PartnerDeclined       EventType = "partner.declined"
	PartnerLevelChanged   EventType = "partner.level_changed"
	PartnerScopesChanged  EventType = "partner.scopes_changed"
	PartnerSuspendedEvent EventType = "partner.suspended"
	PartnerResumed        EventType = "partner.resumed"
	PartnerRevoked        EventType = "partner.revoked"
	PartnerLeft           EventType = "partner.left"
	PartnerReachChanged   EventType = "partner.reach_changed"
	// PartnerExpiryChanged: the partnership's end was set, moved or
	// cleared (Before.Until, After.Until).
	PartnerExpiryChanged EventType = "partner.expiry_changed"
	// PartnerExpired: the partnership reached its end; written once, by
	// the first sweep that noticed it, with no actor.
	PartnerExpired EventType = "partner.expired"
)

// Expired reports whether the partnership has ended by now.
func (ps *Partnership) Expired(now time.Time) bool {
	return !ps.Until.IsZero() && !now.Before(ps.Until)
}

// Reaches reports whether the partnership reaches m, a member of the
// partner organisation: a staff member always, an external collaborator
// only where the granting organisation opted in (Collaborators).
func (ps Partnership) Reaches(m *Member) bool { return m.Kind == Staff || ps.Collaborators }

// ResolvePartner returns the grant a partnership gives a member m of the
// partner organisation: the level's permissions (levelPerms, for a custom
// role; ignored for a role of the policy) minus every permission that gates
// a lifecycle action, within the partnership's scopes, in force only while
// the partnership is active and m is active, and only for a member the
// partnership reaches (Reaches: a grant that allows nothing otherwise).
// The grant ends with the partnership (Until) or with m's own access,
// whichever ends first; the caller settles it with Grant.At.
// Backends call it for the request-time lookup of a partner member; a host
// never needs it.
func ResolvePartner(p *access.Policy, ps *Partnership, m *Member, levelPerms access.Set) access.Grant {
	if perms, ok := p.RolePerms(ps.Level); ok {
		levelPerms = perms
	}
	return access.NewGrant(access.GrantSpec{
		Policy: p, Source: access.FromPartner, Role: ps.Level, RolePerms: levelPerms,
		Deny: p.Lifecycle(), Scopes: ps.Scopes,
		Active: m.Status == Active && ps.Reaches(m), Suspended: ps.Status != PartnerActive,
		Via: "partner organisation " + ps.Partner.String(), Until: ps.Until,
	}).LimitUntil(m.Until)
}
