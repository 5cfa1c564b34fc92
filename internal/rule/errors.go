package rule

import "errors"

// The refusals that the member and invite rules share. The member package
// exports them under the same names, with their documentation.
var (
	ErrForbidden      = errors.New("roster: forbidden")
	ErrInactive       = errors.New("roster: member is inactive")
	ErrOwnerProtected = errors.New("roster: owner is protected")
	ErrSelf           = errors.New("roster: cannot act on yourself")
	ErrEscalation     = errors.New("roster: escalation")
	ErrSeatLimit      = errors.New("roster: seat limit reached")
	ErrInUse          = errors.New("roster: in use")
)
