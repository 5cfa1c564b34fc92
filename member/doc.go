// Package member holds roster's organisations, members, custom roles, API
// keys and audit events, and the rules of their lifecycle: create an
// organisation, add a member, change a role, customise permissions, set
// scopes, deactivate, reactivate, remove, leave, transfer ownership, delete
// the organisation.
//
// Each rule comes in two forms. The plain one opens its own unit of work on
// a Store:
//
//	m, err := member.ChangeRole(ctx, db, org, actor, target, "editor")
//
// The Tx form runs inside a unit of work the caller opened, so that a host
// can compose several changes atomically (see store.Store.Update).
//
// Every rule enforces DESIGN's invariants and refuses with one sentinel
// error, matched with errors.Is: ErrNotFound (also for IDs of another
// organisation), ErrInvalid, ErrForbidden, ErrInactive, ErrOwnerProtected,
// ErrSelf, ErrEscalation, ErrSeatLimit, ErrAlreadyMember, ErrExists,
// ErrInUse. A refused change writes nothing; a successful one writes exactly
// one audit Event in the same unit of work. The order in which a rule
// checks is documented in rules.go, so that the same call always gets the
// same refusal.
//
// Members returned by a store are resolved: m.Can(perm) is a bit test on the
// permissions computed when the member was loaded.
//
// The interfaces this package needs from a store (Tx, Store, Reader and the
// small ones they embed) are declared here, where they are used; the store
// package gathers them into the one interface backends implement.
package member
