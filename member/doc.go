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
// # The host as the system
//
// A host acts by itself too: its support team transfers an ownership
// (seeds 001 and 003: "contact Support"), its SCIM integration removes a
// user who left, its billing changes the seats. It runs any rule as a
// named system principal, under a context from AsSystem and with System as
// the actor:
//
//	sys := member.AsSystem(ctx, "support")
//	err := member.TransferOwnership(sys, db, org, member.System, newOwner)
//
// The system has the owner's reach and breaks no invariant: it is never the
// owner (ErrOwnerProtected for the owner as a target), a transfer it makes
// names the new owner and completes at once, and it removes the owner only
// with a successor (RemoveOwner). Its events name it (Event.Actor.System,
// "system:support" in Party.String). A context is the shape because an
// actor ID can come from a request: under AsSystem a member's ID is
// refused, and without it System (the zero ID) is refused, so nothing an
// end user sends becomes the system (see AsSystem).
//
// The system alone runs the operations on a user across organisations,
// each organisation in its own unit of work and recorded in its log:
// ChangeEmail (the host verified the new address), Deprovision (with a
// successor for each organisation the user owns, else an *OrgsError
// wrapping ErrOwnerProtected, before anything changed) and Erase (the
// user's ID, names and e-mails replaced by one pseudonym in every record).
// A failure part-way is a *PartialError naming the organisations done; the
// operations are idempotent, so a second call finishes.
//
// What one organisation can create is bounded: MaxKeysPerMember API keys a
// member, MaxCustomRoles custom roles, counted inside the unit of work so
// that concurrent creations cannot pass the bound together.
//
// # API keys
//
// A member's key (IssueKey, IssueKeyWith) acts for its member: Authenticate
// returns the member as loaded now, holding what it holds and the key's
// KeySpec.Perms lists (all of it when the key lists none), so that a
// demoted member's keys lose what the member lost, with no write to the
// keys; no key is issued with a permission its issuer lacks
// (ErrEscalation). Every key expires: DefaultKeyTTL (365 days) unless the
// spec says otherwise, at most MaxKeyTTL (2 years); after it, Authenticate
// answers ErrKeyExpired. RotateKey issues a new secret and lets the old one
// work for an overlap of at most MaxKeyOverlap (30 days), never past its
// own expiry. An organisation's service key (IssueServiceKey, gated by
// access.ManageServiceKeys) belongs to no member: it holds exactly its
// permissions, acts in its own name (its ID is an actor the rules accept,
// and the audit log names it, store.Party.Key), and outlives the member who
// issued it. Store.Keys lists a member's keys, or with the zero member the
// organisation's service keys, a page at a time. KeyUsage records when keys
// were last used, at most once per interval a key. Seed 000's rules hold:
// a deactivated member's keys stop unless the policy keeps them
// (access.Spec.InactiveKeysValid); a removed member's keys are revoked.
//
// Members returned by a store are resolved: m.Can(perm) is a bit test on the
// permissions computed when the member was loaded.
//
// Access can end by itself (expiry.go): a member carries an end
// (store.Member.Until), after which every read answers no for it and it
// cannot act (ErrInactive), without any job; SetExpiry moves it, and
// ExpireDue, a worker's sweep, records each end once in the audit log.
//
// # Policies that change
//
// Records written under an older policy load under a newer one (see
// store.StaleName): a renamed permission or role resolves through its
// alias, a dropped one grants nothing and is kept as stored. A member of a
// dropped role holds no permission from it, is listed and takes its seat,
// and can be acted on (its role changed) as any member. An API key whose
// permissions the policy all dropped holds nothing (store.Key.Limits), and
// PruneDrift revokes it. Drift lists what
// an organisation's records still name that the policy renamed or dropped;
// PruneDrift, the host's operation, rewrites it.
package member
