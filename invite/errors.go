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
	// ErrWrongCode: the access code is wrong; the attempt was counted,
	// against the requester and against the code's budget.
	ErrWrongCode = errs.WrongCode
	// ErrLocked: this requester gave MaxCodeFailures wrong access codes in
	// a row; its requests are refused, without checking the code, until
	// its lock ends (CodeLockout). Other requesters are not affected.
	ErrLocked = errs.Locked
	// ErrSuperseded: the invitation was resent after the event that
	// DeliveryLink was asked about; the resend's event delivers it.
	ErrSuperseded = errs.Superseded
	// ErrCodeExhausted: the access code took MaxWrongCodes wrong guesses,
	// from all requesters together; it takes no more, from anyone, until
	// an admin sets a new one (SetCode).
	ErrCodeExhausted = errs.CodeExhausted
)
