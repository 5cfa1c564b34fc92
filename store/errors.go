package store

import "github.com/rosterhq/roster/internal/errs"

// The errors a backend returns on its own account, which the rules return
// too for the same meanings. The rules' own refusals are the member and
// invite packages' sentinels. Match them with errors.Is; ErrorCode gives
// each its stable code and HTTP status.
var (
	// ErrNotFound: no such organisation, member, role, key, invitation,
	// request or partnership in this organisation. An ID from another
	// organisation is not found, never a result.
	ErrNotFound = errs.NotFound
	// ErrInvalid: malformed input (an empty or oversized name, a bad
	// e-mail, an unknown role or permission, a nil ID, a bad cursor).
	// Nothing changed.
	ErrInvalid = errs.Invalid
	// ErrAlreadyMember: the user or e-mail already belongs to a member of
	// the organisation.
	ErrAlreadyMember = errs.AlreadyMember
	// ErrAlreadyInvited: a pending invitation for that e-mail exists.
	ErrAlreadyInvited = errs.AlreadyInvited
	// ErrExists: a custom role of that name exists, or the policy has one;
	// or the organisation already has a partnership with that partner.
	ErrExists = errs.Exists
	// ErrConflict: a concurrent change or a uniqueness constraint that no
	// other error describes; retrying may succeed.
	ErrConflict = errs.Conflict
	// ErrOutcomeUnknown: the connection broke while the unit of work
	// committed, so it may or may not have committed. Any other error of a
	// unit of work means that nothing of it committed.
	ErrOutcomeUnknown = errs.OutcomeUnknown
	// ErrPruned: a read of the change feed after a position that Prune
	// has deleted events beyond. The error is a *PrunedError, which names
	// the earliest position still kept.
	ErrPruned = errs.Pruned
)

// ErrorCode returns the stable code and the HTTP status of err: those of the
// first of roster's sentinels it wraps (this package's, member's, invite's,
// then access's), "deadline_exceeded" (504) and "canceled" (499) for a
// context's end, or "internal" (500) for anything else. The codes are part
// of the API and do not change:
//
//	not_found 404          forbidden 403          expired 409
//	invalid 422            inactive 403           already_used 409
//	already_member 409     owner_protected 403    cancelled 409
//	already_invited 409    self 403               declined 409
//	exists 409             escalation 403         already_requested 409
//	conflict 409           seat_limit 409         email_mismatch 403
//	                       in_use 409             no_link 409
//	outcome_unknown 503    limit_reached 409      code_required 403
//	pruned 410                                    wrong_code 403
//	                                              locked 429
//	                                              superseded 410
//
// and for the access package's errors, which a rule wraps in ErrInvalid:
// invalid_policy 500, empty_name, invalid_name, duplicate_name,
// unknown_permission, too_many_permissions, no_owner, unknown_role,
// unknown_action, invalid_scope, invalid_text and policy_too_large, all 422.
//
// A handler answers a refusal with one call:
//
//	code, status := store.ErrorCode(err)
//	http.Error(w, code, status)
func ErrorCode(err error) (code string, status int) {
	c := errs.Lookup(err)
	return c.Code, c.Status
}
