package store

import "errors"

// The errors a backend returns on its own account, which the rules return
// too for the same meanings. The rules' own refusals are the member and
// invite packages' sentinels. Match them with errors.Is.
var (
	// ErrNotFound: no such organisation, member, role, key, invitation,
	// request or partnership in this organisation. An ID from another
	// organisation is not found, never a result.
	ErrNotFound = errors.New("roster: not found")
	// ErrInvalid: malformed input (an empty or oversized name, a bad
	// e-mail, an unknown role or permission, a nil ID, a bad cursor).
	// Nothing changed.
	ErrInvalid = errors.New("roster: invalid input")
	// ErrAlreadyMember: the user or e-mail already belongs to a member of
	// the organisation.
	ErrAlreadyMember = errors.New("roster: already a member")
	// ErrAlreadyInvited: a pending invitation for that e-mail exists.
	ErrAlreadyInvited = errors.New("roster: already invited")
	// ErrExists: a custom role of that name exists, or the policy has one;
	// or the organisation already has a partnership with that partner.
	ErrExists = errors.New("roster: already exists")
	// ErrConflict: a concurrent change or a uniqueness constraint that no
	// other error describes; retrying may succeed.
	ErrConflict = errors.New("roster: conflict")
)
