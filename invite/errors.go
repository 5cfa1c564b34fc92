package invite

import "github.com/rosterhq/roster/internal/errs"

// Errors of invitations and access requests, beside the member package's
// (member.ErrForbidden, member.ErrSeatLimit, …) and the store package's
// (store.ErrNotFound, store.ErrInvalid, store.ErrAlreadyInvited, …), which
// mean the same here.
var (
	// ErrExpired: the invitation expired before it was accepted.
	ErrExpired = errs.Expired
	// ErrAlreadyUsed: the invitation was accepted already, or the request
	// decided already.
	ErrAlreadyUsed = errs.AlreadyUsed
	// ErrCancelled: the invitation was cancelled, or the request withdrawn.
	ErrCancelled = errs.Cancelled
	// ErrDeclined: the invitation or request was declined.
	ErrDeclined = errs.Declined
	// ErrAlreadyRequested: the user has a pending access request already.
	ErrAlreadyRequested = errs.AlreadyRequested
	// ErrEmailMismatch: the accepting user's e-mail is not the invited one.
	ErrEmailMismatch = errs.EmailMismatch
	// ErrNoLink: the store keeps no sealed token (no Env.LinkKey), so the
	// link cannot be read back; resend the invitation instead.
	ErrNoLink = errs.NoLink
	// ErrCodeRequired: the organisation requires an access code and none
	// was given.
	ErrCodeRequired = errs.CodeRequired
	// ErrWrongCode: the access code is wrong; the attempt was counted.
	ErrWrongCode = errs.WrongCode
	// ErrLocked: too many wrong access codes; requests are refused until
	// the lock ends.
	ErrLocked = errs.Locked
	// ErrSuperseded: the invitation was resent after the event that
	// DeliveryLink was asked about; the resend's event delivers it.
	ErrSuperseded = errs.Superseded
)
