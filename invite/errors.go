package invite

import "errors"

// Errors of invitations and access requests, beside the member package's
// (member.ErrForbidden, member.ErrSeatLimit, …) and the store package's
// (store.ErrNotFound, store.ErrInvalid, store.ErrAlreadyInvited, …), which
// mean the same here.
var (
	// ErrExpired: the invitation expired before it was accepted.
	ErrExpired = errors.New("roster: invitation expired")
	// ErrAlreadyUsed: the invitation was accepted already, or the request
	// decided already.
	ErrAlreadyUsed = errors.New("roster: already used")
	// ErrCancelled: the invitation was cancelled, or the request withdrawn.
	ErrCancelled = errors.New("roster: cancelled")
	// ErrDeclined: the invitation or request was declined.
	ErrDeclined = errors.New("roster: declined")
	// ErrAlreadyRequested: the user has a pending access request already.
	ErrAlreadyRequested = errors.New("roster: already requested")
	// ErrEmailMismatch: the accepting user's e-mail is not the invited one.
	ErrEmailMismatch = errors.New("roster: e-mail does not match the invitation")
	// ErrNoLink: the store keeps no sealed token (no Env.LinkKey), so the
	// link cannot be read back; resend the invitation instead.
	ErrNoLink = errors.New("roster: invitation link not kept")
	// ErrCodeRequired: the organisation requires an access code and none
	// was given.
	ErrCodeRequired = errors.New("roster: access code required")
	// ErrWrongCode: the access code is wrong; the attempt was counted.
	ErrWrongCode = errors.New("roster: wrong access code")
	// ErrLocked: too many wrong access codes; requests are refused until
	// the lock ends.
	ErrLocked = errors.New("roster: access code locked")
)
