// Package invite holds the ways into an organisation: invitations,
// access requests and partnerships.
//
// Invitations (Send, Resend, Cancel, CopyLink, Accept, Decline,
// ListPending) carry a role, permissions, scopes and profile fields; their
// token is shown once and kept only as a SHA-256 hash (and, with a link key,
// sealed with XChaCha20-Poly1305 so that an allowed member can copy the link
// again). An invitation is accepted at most once, never after it expired or
// was cancelled, and by default only by a user with the invited e-mail.
// Pending invitations take seats until they expire. Show reads an
// invitation by its token for the page that shows it, with no unit of work;
// Accept returns the new member with its organisation and the closed
// invitation (Accepted), for the page that follows. ListPending lists the
// pending invitations to people and to partner organisations for an actor,
// gated as member.AuditLog (access.Invite shows people's, ManagePartners
// partners'), with expiry judged by the rules' clock (store.NowReader).
// DeliveryLink gives a worker following the store's change feed the link
// of an invitation sent or resent, as the host itself, also after its
// sender left (it needs the link key; Stale tells which errors mean "no
// longer needs mail").
//
// Access requests (RequestAccess, Approve, Refuse, Withdraw, SetCode) let an
// outside user ask to become an external collaborator, who holds only the
// permissions approved and takes no seat; an organisation may require an
// access code, hashed with argon2id. Wrong codes are counted per requester
// (five in a row lock out that requester alone for 15 minutes, ErrLocked)
// and per code (50 from all requesters together exhaust it until an admin
// sets a new one, ErrCodeExhausted and a store.CodeExhausted event), so that
// no stranger can lock out the rightful requester and a four-digit code
// falls to at most 0.5% of attackers, however many identities they use (see
// MaxWrongCodes for the arithmetic and the trade-off). A refused guess
// costs no key derivation, and derivations run a bounded number at once
// (store.Env.CodeKDFConcurrency).
//
// Partnerships (InvitePartner, AcceptPartner, ChangePartner, RevokePartner,
// LeavePartner, Grant) let one organisation grant another's members scoped
// access at a level capped by the inviter and stripped of every lifecycle
// permission.
//
// The records (store.Invitation, store.Request, store.Partnership) live in
// package store. Every rule on one organisation has a plain form, which
// opens its own unit of work, and a Tx form for a unit of work the caller
// opened (see package store, "Two doors to every rule"); the rules that
// answer a token or touch two organisations open their own.
//
// Errors are this package's own (ErrExpired, ErrAlreadyUsed, ErrCancelled,
// ErrDeclined, ErrEmailMismatch, ErrWrongCode, ErrLocked, ErrCodeExhausted,
// …), the member package's for the same
// meanings (member.ErrForbidden, member.ErrSeatLimit, …) and the store
// package's (store.ErrNotFound, store.ErrInvalid, store.ErrAlreadyInvited,
// …). Every successful change writes one audit event, in each organisation
// it concerns.
//
// The host runs these rules as its system principal as it runs member's:
// under member.AsSystem, with member.System as the actor (an invitation it
// sends has InvitedBy.System set). Answering a token (Accept, Decline) is
// the invitee's, whoever's context it runs under.
package invite
