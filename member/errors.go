package member

import "errors"

// Errors of the membership rules. Each refusal matches exactly one of them
// with errors.Is, and its message says which rule refused and why. The store
// package re-exports them, and the invite package uses them for the same
// meanings.
var (
	// ErrNotFound: no such organisation, member, role or key in this
	// organisation. An ID from another organisation is not found, never
	// a result.
	ErrNotFound = errors.New("roster: not found")
	// ErrInvalid: malformed input (an empty or oversized name, a bad
	// e-mail, an unknown role or permission, a nil ID). Nothing changed.
	ErrInvalid = errors.New("roster: invalid input")
	// ErrForbidden: the actor lacks the permission that gates the action,
	// or the action is the owner's alone.
	ErrForbidden = errors.New("roster: forbidden")
	// ErrInactive: the actor (or the member a key belongs to) is inactive,
	// and an inactive member can do nothing through its own session.
	ErrInactive = errors.New("roster: member is inactive")
	// ErrOwnerProtected: the action would touch the owner, make an owner
	// or unmake one; only ownership transfer does that.
	ErrOwnerProtected = errors.New("roster: owner is protected")
	// ErrSelf: nobody changes their own role or status, or removes
	// themselves (they leave instead).
	ErrSelf = errors.New("roster: cannot act on yourself")
	// ErrEscalation: the actor would grant permissions or scopes it does
	// not hold, or act on a member who holds more than it does.
	ErrEscalation = errors.New("roster: escalation")
	// ErrSeatLimit: the organisation's seats (members plus pending
	// invitations) are all taken.
	ErrSeatLimit = errors.New("roster: seat limit reached")
	// ErrAlreadyMember: the user or e-mail already belongs to a member of
	// the organisation.
	ErrAlreadyMember = errors.New("roster: already a member")
	// ErrExists: a custom role of that name exists, or the policy has one.
	ErrExists = errors.New("roster: already exists")
	// ErrInUse: a custom role still has members or pending invitations.
	ErrInUse = errors.New("roster: in use")
	// ErrConflict: a concurrent change or a uniqueness constraint that no
	// other error describes; retrying may succeed.
	ErrConflict = errors.New("roster: conflict")
)
