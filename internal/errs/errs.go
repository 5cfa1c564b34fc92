// Package errs defines every sentinel error of roster's store, member and
// invite packages, once, with its stable code and HTTP status. The public
// packages export them under their own names; store.ErrorCode reads the
// table. It is internal so that the table has one writer.
package errs

import (
	"context"
	"errors"
	"net/http"

	"github.com/rosterhq/roster/access"
)

// The sentinels. Their text is "roster: " and what happened; the code is
// the stable name a host returns from its API or translates.
var (
	NotFound       = errors.New("roster: not found")
	Invalid        = errors.New("roster: invalid input")
	AlreadyMember  = errors.New("roster: already a member")
	AlreadyInvited = errors.New("roster: already invited")
	Exists         = errors.New("roster: already exists")
	Conflict       = errors.New("roster: conflict")

	Forbidden      = errors.New("roster: forbidden")
	Inactive       = errors.New("roster: member is inactive")
	OwnerProtected = errors.New("roster: owner is protected")
	Self           = errors.New("roster: cannot act on yourself")
	Escalation     = errors.New("roster: escalation")
	SeatLimit      = errors.New("roster: seat limit reached")
	InUse          = errors.New("roster: in use")
	LimitReached   = errors.New("roster: limit reached")

	Expired          = errors.New("roster: invitation expired")
	AlreadyUsed      = errors.New("roster: already used")
	Cancelled        = errors.New("roster: cancelled")
	Declined         = errors.New("roster: declined")
	AlreadyRequested = errors.New("roster: already requested")
	EmailMismatch    = errors.New("roster: e-mail does not match the invitation")
	NoLink           = errors.New("roster: invitation link not kept")
	CodeRequired     = errors.New("roster: access code required")
	WrongCode        = errors.New("roster: wrong access code")
	Locked           = errors.New("roster: access code locked")
	CodeExhausted    = errors.New("roster: access code exhausted")

	OutcomeUnknown = errors.New("roster: outcome unknown")
	Pruned         = errors.New("roster: events pruned")
	Superseded     = errors.New("roster: invitation superseded")
	KeyExpired     = errors.New("roster: API key expired")
)

// A Coded is one row of the table: a sentinel, its code and its status.
type Coded struct {
	Err    error
	Code   string
	Status int
}

// Table lists every sentinel with its code and HTTP status, the rules'
// sentinels before the access package's: an error that wraps both (a rule
// refusing an unknown role wraps store.ErrInvalid and access.ErrUnknownRole)
// takes the first.
var Table = []Coded{
	{NotFound, "not_found", http.StatusNotFound},
	{Invalid, "invalid", http.StatusUnprocessableEntity},
	{AlreadyMember, "already_member", http.StatusConflict},
	{AlreadyInvited, "already_invited", http.StatusConflict},
	{Exists, "exists", http.StatusConflict},
	{Conflict, "conflict", http.StatusConflict},

	{Forbidden, "forbidden", http.StatusForbidden},
	{Inactive, "inactive", http.StatusForbidden},
	{OwnerProtected, "owner_protected", http.StatusForbidden},
	{Self, "self", http.StatusForbidden},
	{Escalation, "escalation", http.StatusForbidden},
	{SeatLimit, "seat_limit", http.StatusConflict},
	{InUse, "in_use", http.StatusConflict},
	{LimitReached, "limit_reached", http.StatusConflict},

	{Expired, "expired", http.StatusConflict},
	{AlreadyUsed, "already_used", http.StatusConflict},
	{Cancelled, "cancelled", http.StatusConflict},
	{Declined, "declined", http.StatusConflict},
	{AlreadyRequested, "already_requested", http.StatusConflict},
	{EmailMismatch, "email_mismatch", http.StatusForbidden},
	{NoLink, "no_link", http.StatusConflict},
	{CodeRequired, "code_required", http.StatusForbidden},
	{WrongCode, "wrong_code", http.StatusForbidden},
	{Locked, "locked", http.StatusTooManyRequests},
	{CodeExhausted, "code_exhausted", http.StatusForbidden},
	{OutcomeUnknown, "outcome_unknown", http.StatusServiceUnavailable},
	{Pruned, "pruned", http.StatusGone},
	{Superseded, "superseded", http.StatusGone},
	{KeyExpired, "key_expired", http.StatusUnauthorized},

	{access.ErrInvalidPolicy, "invalid_policy", http.StatusInternalServerError},
	{access.ErrEmptyName, "empty_name", http.StatusUnprocessableEntity},
	{access.ErrInvalidName, "invalid_name", http.StatusUnprocessableEntity},
	{access.ErrDuplicateName, "duplicate_name", http.StatusUnprocessableEntity},
	{access.ErrUnknownPermission, "unknown_permission", http.StatusUnprocessableEntity},
	{access.ErrTooManyPermissions, "too_many_permissions", http.StatusUnprocessableEntity},
	{access.ErrNoOwner, "no_owner", http.StatusUnprocessableEntity},
	{access.ErrUnknownRole, "unknown_role", http.StatusUnprocessableEntity},
	{access.ErrUnknownAction, "unknown_action", http.StatusUnprocessableEntity},
	{access.ErrInvalidScope, "invalid_scope", http.StatusUnprocessableEntity},
	{access.ErrInvalidText, "invalid_text", http.StatusUnprocessableEntity},
	{access.ErrPolicyTooLarge, "policy_too_large", http.StatusUnprocessableEntity},

	{context.DeadlineExceeded, "deadline_exceeded", http.StatusGatewayTimeout},
	{context.Canceled, "canceled", 499}, // the client closed the request
}

// Lookup returns the row of the first sentinel err wraps, in the order of
// Table, or the "internal" row (500) for an error that wraps none.
func Lookup(err error) Coded {
	for _, c := range Table {
		if errors.Is(err, c.Err) {
			return c
		}
	}
	return Coded{Err: err, Code: "internal", Status: http.StatusInternalServerError}
}
