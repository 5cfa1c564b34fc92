// Package member holds the rules of the membership lifecycle: create an
// organisation, add a member, change a role, customise permissions, set
// scopes, deactivate, reactivate, remove, leave, transfer ownership, delete
// the organisation, custom roles and API keys. The records they act on
// (store.Org, store.Member, store.Event, …) live in package store.
//
// Each rule comes in two forms. The plain one opens its own unit of work on
// a Store:
//
//	m, err := member.ChangeRole(ctx, db, org, actor, target, "editor")
//
// The Tx form runs inside a unit of work the caller opened, so that a host
// can compose several changes atomically (see package store, "Two doors to
// every rule").
//
// Every rule enforces DESIGN's invariants and refuses with one sentinel
// error, matched with errors.Is: this package's ErrForbidden, ErrInactive,
// ErrOwnerProtected, ErrSelf, ErrEscalation, ErrSeatLimit, ErrInUse and
// ErrLimitReached, or
// the store package's ErrNotFound (also for IDs of another organisation),
// ErrInvalid, ErrAlreadyMember and ErrExists. A refused change writes
// nothing; a successful one writes exactly one audit event in the same
// unit of work.
//
// A rule checks, in this order, and returns the first refusal, so that the
// same call always gets the same refusal:
//
//  1. its input (ErrInvalid);
//  2. the actor: a member of the organisation (ErrNotFound) and active
//     (ErrInactive);
//  3. the gate: the actor holds the permission that gates the action, or is
//     the owner (ErrForbidden);
//  4. the target: a member of the organisation (ErrNotFound), not the actor
//     (ErrSelf), not the owner (ErrOwnerProtected), and holding no
//     permission or scope beyond the actor's (ErrEscalation);
//  5. what is granted: no permission or scope beyond the actor's
//     (ErrEscalation);
//  6. the rest of the rule (ErrSeatLimit, ErrAlreadyMember, ErrInUse,
//     ErrLimitReached, …).
//
// What one organisation can create is bounded: MaxKeysPerMember API keys a
// member, MaxCustomRoles custom roles, counted inside the unit of work so
// that concurrent creations cannot pass the bound together.
//
// Members returned by a store are resolved: m.Can(perm) is a bit test on the
// permissions computed when the member was loaded.
//
// # Policies that change
//
// Records written under an older policy load under a newer one (see
// store.StaleName): a renamed permission or role resolves through its
// alias, a dropped one grants nothing and is kept as stored. A member of a
// dropped role holds no permission from it, is listed and takes its seat,
// and can be acted on (its role changed) as any member. Drift lists what
// an organisation's records still name that the policy renamed or dropped;
// PruneDrift, the host's operation, rewrites it.
package member
