package rule

import "github.com/rosterhq/roster/internal/errs"

// The refusals that the member and invite rules share. The member package
// exports them under the same names, with their documentation.
var (
	ErrForbidden      = errs.Forbidden
	ErrInactive       = errs.Inactive
	ErrOwnerProtected = errs.OwnerProtected
	ErrSelf           = errs.Self
	ErrEscalation     = errs.Escalation
	ErrSeatLimit      = errs.SeatLimit
	ErrInUse          = errs.InUse
	ErrLimitReached   = errs.LimitReached
	ErrKeyExpired     = errs.KeyExpired
)
