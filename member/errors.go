package member

import "github.com/rosterhq/roster/internal/rule"

// Errors of the membership rules. Each refusal matches exactly one of them,
// or one of the store package's (store.ErrNotFound, store.ErrInvalid,
// store.ErrAlreadyMember, store.ErrExists, store.ErrConflict), with
// errors.Is, and its message says which rule refused and why. The invite
// package's rules use them for the same meanings.
var (
	// ErrForbidden: the actor lacks the permission that gates the action,
	// or the action is the owner's alone.
	ErrForbidden = rule.ErrForbidden
	// ErrInactive: the actor (or the member a key belongs to) is inactive,
	// and an inactive member can do nothing through its own session.
	ErrInactive = rule.ErrInactive
	// ErrOwnerProtected: the action would touch the owner, make an owner
	// or unmake one; only ownership transfer does that.
	ErrOwnerProtected = rule.ErrOwnerProtected
	// ErrSelf: nobody changes their own role or status, or removes
	// themselves (they leave instead).
	ErrSelf = rule.ErrSelf
	// ErrEscalation: the actor would grant permissions or scopes it does
	// not hold, or act on a member who holds more than it does.
	ErrEscalation = rule.ErrEscalation
	// ErrSeatLimit: the organisation's seats (members plus pending
	// invitations) are all taken.
	ErrSeatLimit = rule.ErrSeatLimit
	// ErrInUse: a custom role still has members or pending invitations.
	ErrInUse = rule.ErrInUse
	// ErrLimitReached: the organisation holds as many of a record as one
	// may (MaxKeysPerMember API keys for the member, MaxCustomRoles custom
	// roles); one must go before another comes.
	ErrLimitReached = rule.ErrLimitReached
	// ErrKeyExpired: the API key's expiry (or the end of its rotation's
	// overlap) has passed; Authenticate refuses it.
	ErrKeyExpired = rule.ErrKeyExpired
)
