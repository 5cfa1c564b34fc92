package store

import (
	"context"
	"time"

	"github.com/rosterhq/roster/access"
)

// Tx is one unit of work on one organisation: everything read and written
// through it commits together or not at all, serialised with every other
// unit of work on the same organisation. It is the one interface a backend
// implements for the rules; the rules (member, invite) are written against
// it and never against a backend.
//
// A host composes several rules atomically by calling their Tx forms on one
// Tx:
//
//	err := db.Update(ctx, org, func(tx store.Tx) error {
//		if _, err := member.DeactivateTx(ctx, tx, admin, bob); err != nil {
//			return err
//		}
//		return invite.CancelTx(ctx, tx, admin, bobsInvitation)
//	})
//
// A backend may hold writes back and send them together with its next read
// or when the unit of work ends (sqlstore does on PostgreSQL, to save round
// trips). Reads always see the unit of work's own writes. A held write that
// fails fails the unit of work with the write's own error, whatever the
// later calls returned meanwhile.
type Tx interface {
	// Env returns the store's environment.
	Env() *Env
	// Now returns the unit of work's time, in UTC, truncated to
	// microseconds: read once, when the unit of work has locked its
	// organisation (both, for a pair), and the same for every call. The
	// rules judge expiry and seats by it and stamp every record and event
	// they write with it, so that a decision does not depend on which
	// process made it. memstore reads Env.Now; sqlstore reads the
	// database's clock by default (sqlstore.Options.Clock).
	Now() time.Time

	// Org returns the organisation, as written by the last PutOrg of this
	// unit of work if any.
	Org(ctx context.Context) (Org, error)
	// PutOrg replaces the organisation's record. Its ID cannot change.
	PutOrg(ctx context.Context, o Org) error
	// DeleteOrg deletes the organisation with its members, keys, roles,
	// invitations, requests, access code and the partnerships it grants.
	// Its audit events stay readable; every later unit of work on it gets
	// ErrNotFound. It marks the organisation deleted (a tombstone), in a
	// unit of work whose cost does not depend on the organisation's size:
	// from its commit every read and rule answers as if those records
	// were gone, and Store.Purge removes them later, in bounded batches.
	DeleteOrg(ctx context.Context) error

	// Member returns the member with id, resolved. A member of another
	// organisation, or none, is ErrNotFound.
	Member(ctx context.Context, id ID) (Member, error)
	// MemberByUser returns the member for the host's user, or ErrNotFound.
	MemberByUser(ctx context.Context, user string) (Member, error)
	// MemberByEmail returns the member with the normalised e-mail, or
	// ErrNotFound.
	MemberByEmail(ctx context.Context, email string) (Member, error)
	// MemberByUserOrEmail returns a member whose user is user or whose
	// e-mail is email (the one with the user, if both exist), or
	// ErrNotFound: in one read, what a new member would collide with.
	MemberByUserOrEmail(ctx context.Context, user, email string) (Member, error)
	// Owner returns the organisation's owner.
	Owner(ctx context.Context) (Member, error)
	// PutMember inserts m, or replaces the member with m.ID. Another
	// member of the organisation with the same user or e-mail is
	// ErrAlreadyMember; a second owner is ErrConflict.
	PutMember(ctx context.Context, m Member) error
	// DeleteMember deletes the member and its API keys. A missing member
	// is ErrNotFound.
	DeleteMember(ctx context.Context, id ID) error
	// Seats returns the seats taken at the unit of work's time (Now):
	// staff members of any status, plus pending invitations for staff
	// that have not expired by then. It is checked on every send and
	// add, so a store keeps its cost independent of the organisation's
	// size, its pending invitations included: memstore and sqlstore keep
	// counters in the unit of work (memstore its pending invitations in
	// order of expiry, sqlstore counts the invitations that expired since
	// the last check, each once). Seats may write what a store keeps of
	// it, with the unit of work.
	Seats(ctx context.Context) (int, error)

	// Role returns the custom role named name, or ErrNotFound.
	Role(ctx context.Context, name string) (Role, error)
	// PutRole inserts or replaces the custom role r.Name. Members holding
	// it see its new permissions when next loaded.
	PutRole(ctx context.Context, r Role) error
	// DeleteRole deletes the custom role, or returns ErrNotFound.
	DeleteRole(ctx context.Context, name string) error
	// CountRoles returns how many custom roles the organisation has, as
	// this unit of work sees them.
	CountRoles(ctx context.Context) (int, error)
	// RoleInUse reports whether a member, a pending invitation or a
	// partnership of the organisation refers to the role: an indexed
	// existence test, not a count of the holders.
	RoleInUse(ctx context.Context, name string) (bool, error)

	// Key returns the key with id, or ErrNotFound.
	Key(ctx context.Context, id ID) (Key, error)
	// PutKey inserts k. A duplicate hash is ErrConflict; a member that is
	// not the organisation's is ErrNotFound. A zero k.Member makes a
	// service key.
	PutKey(ctx context.Context, k Key) error
	// DeleteKey deletes the key, or returns ErrNotFound.
	DeleteKey(ctx context.Context, id ID) error
	// ExpireKey sets the key's Expires to at (a rotation's end of
	// overlap), or returns ErrNotFound.
	ExpireKey(ctx context.Context, id ID, at time.Time) error
	// CountKeys returns how many API keys the member has, as this unit of
	// work sees them; a member without keys, or none, has 0. The zero ID
	// counts the organisation's service keys.
	CountKeys(ctx context.Context, member ID) (int, error)

	// Append assigns e the organisation's next sequence number, sets
	// e.Seq, and stores it with the unit of work. A backend that holds
	// writes back sets e.Seq when it sends the write, at the latest when
	// the unit of work ends.
	Append(ctx context.Context, e *Event) error

	// Erase rewrites the organisation's records as er says (its methods
	// Event, Invitation and Request decide), writing back each that
	// changed: every audit event (the feed shows the rewritten event at
	// its position), invitation and access request; er.UserID's
	// access-code attempts are deleted. It returns how many records
	// changed. It reads the organisation's whole history, for
	// member.Erase, a rare operation.
	Erase(ctx context.Context, er *Erasure) (int, error)

	// Invitation returns the invitation with id, or ErrNotFound (also for
	// an invitation of another organisation).
	Invitation(ctx context.Context, id ID) (Invitation, error)
	// InvitationByHash returns the invitation whose current token hashes to
	// hash, or ErrNotFound.
	InvitationByHash(ctx context.Context, hash [32]byte) (Invitation, error)
	// PendingInvitation returns the invitation of kind to email whose
	// status is Pending (expired or not), or ErrNotFound.
	PendingInvitation(ctx context.Context, kind InvitationKind, email string) (Invitation, error)
	// PutInvitation inserts or replaces the invitation with inv.ID. A
	// second pending invitation of the same kind to the same e-mail is
	// ErrAlreadyInvited; a token hash another invitation has is
	// ErrConflict.
	PutInvitation(ctx context.Context, inv Invitation) error

	// Request returns the access request with id, or ErrNotFound.
	Request(ctx context.Context, id ID) (Request, error)
	// OpenRequest returns the user's request whose status is Asked, or
	// ErrNotFound.
	OpenRequest(ctx context.Context, user string) (Request, error)
	// PutRequest inserts or replaces the request with r.ID.
	PutRequest(ctx context.Context, r Request) error
	// Code returns the organisation's access code, or ErrNotFound.
	Code(ctx context.Context) (Code, error)
	// PutCode sets the access code; a Code with an empty Hash removes it.
	PutCode(ctx context.Context, c Code) error
	// CodeAttempt returns the user's record of wrong access codes, or
	// ErrNotFound.
	CodeAttempt(ctx context.Context, user string) (CodeAttempt, error)
	// PutCodeAttempt inserts or replaces the record of a.UserID; one with
	// no Failures and no LockedUntil removes it (removing none is no
	// error).
	PutCodeAttempt(ctx context.Context, a CodeAttempt) error
	// ClearCodeAttempts removes every requester's record of the
	// organisation. It is idempotent.
	ClearCodeAttempts(ctx context.Context) error

	// Partnership returns the partnership with id that the organisation
	// grants, or ErrNotFound.
	Partnership(ctx context.Context, id ID) (Partnership, error)
	// PartnershipWith returns the partnership the organisation grants to
	// partner, or ErrNotFound.
	PartnershipWith(ctx context.Context, partner ID) (Partnership, error)
	// PutPartnership inserts or replaces the partnership with ps.ID. A
	// second partnership with the same partner is ErrExists.
	PutPartnership(ctx context.Context, ps Partnership) error
	// DeletePartnership deletes the partnership, or returns ErrNotFound.
	DeletePartnership(ctx context.Context, id ID) error

	// The ends due and not yet recorded (ends.go).
	EndTx
}

// Store is the one contract a backend implements: reads outside a unit of
// work, and units of work on one organisation (or on a pair, for
// partnerships). memstore and sqlstore implement it, and storetest proves
// that they behave alike. A backend may also implement the optional fast
// paths TokenUpdater and PrincipalReader; the rules use them when present.
type Store interface {
	// Env returns the store's environment.
	Env() *Env

	// InsertOrg creates the organisation o and runs fn on it, in one unit
	// of work: if fn fails, the organisation is not created. A zero
	// o.Created or o.Updated is set to the unit of work's time (Tx.Now),
	// which fn reads back with Tx.Org. An existing ID is ErrConflict.
	InsertOrg(ctx context.Context, o Org, fn func(Tx) error) error
	// Update runs fn in a unit of work on org: its writes commit together
	// if fn returns nil and are discarded otherwise, and fn's error is
	// returned as is. A missing or deleted organisation is ErrNotFound
	// and fn does not run. fn must use only tx, and not keep it after it
	// returns; it may run again if the backend retries a serialisation
	// failure, so it must not have effects outside tx.
	Update(ctx context.Context, org ID, fn func(Tx) error) error
	// UpdatePair runs fn in one unit of work on two organisations, a and
	// b, locked in a fixed order so that pairs never deadlock. Either is
	// missing: ErrNotFound; a == b: ErrInvalid.
	UpdatePair(ctx context.Context, a, b ID, fn func(ta, tb Tx) error) error

	// Org returns the organisation, or ErrNotFound (also once deleted).
	Org(ctx context.Context, id ID) (Org, error)
	// Member returns a member of org, or ErrNotFound.
	Member(ctx context.Context, org, id ID) (Member, error)
	// MemberByUser returns the member for the host's user in org, or
	// ErrNotFound. It is the lookup on every request, and fast.
	MemberByUser(ctx context.Context, org ID, user string) (Member, error)
	// MemberByEmail returns the member of org with the e-mail, or
	// ErrNotFound. The e-mail is given as member.NormalizeEmail leaves it;
	// any other form is ErrInvalid.
	MemberByEmail(ctx context.Context, org ID, email string) (Member, error)
	// PendingInvitation returns org's invitation of kind to the e-mail
	// whose status is Pending (expired or not), or ErrNotFound; the e-mail
	// as MemberByEmail takes it.
	PendingInvitation(ctx context.Context, org ID, kind InvitationKind, email string) (Invitation, error)
	// Members lists the members of org that pass f, ordered by ID, one
	// page at a time; next is "" after the last page. An unknown org
	// lists nothing; a malformed cursor is ErrInvalid.
	Members(ctx context.Context, org ID, f Filter, p Page) (ms []Member, next string, err error)
	// UserOrgs lists the user's memberships in every organisation, each
	// with its organisation (an organisation switcher's rows: the
	// organisation's name, the member's role and status), ordered by
	// organisation ID, one page at a time; next is "" after the last page.
	// A page is one read (sqlstore: one query), not one per organisation.
	// A deleted organisation is not listed. A malformed user ID or cursor
	// is ErrInvalid.
	UserOrgs(ctx context.Context, user string, p Page) (ms []Membership, next string, err error)
	// Roles lists the custom roles of org, ordered by name (byte order),
	// one page at a time; next is "" after the last page. An unknown org
	// lists nothing; a malformed cursor is ErrInvalid.
	Roles(ctx context.Context, org ID, p Page) (rs []Role, next string, err error)
	// Keys lists the API keys of a member of org, ordered by ID, one page
	// at a time; next is "" after the last page. A member that is not one
	// of org's (or an unknown org) is ErrNotFound; a malformed cursor is
	// ErrInvalid. The zero member ID lists the organisation's service
	// keys (an unknown org: ErrNotFound).
	Keys(ctx context.Context, org, member ID, p Page) (ks []Key, next string, err error)
	// KeyByHash returns the key with the hash, or ErrNotFound.
	KeyByHash(ctx context.Context, hash [32]byte) (Key, error)
	// Events returns up to limit audit events of org with Seq > after,
	// in Seq order. They stay readable after the organisation is deleted.
	Events(ctx context.Context, org ID, after int64, limit int) ([]Event, error)

	// Invitation returns an invitation of org, or ErrNotFound.
	Invitation(ctx context.Context, org, id ID) (Invitation, error)
	// Invitations lists the invitations of org that pass f, ordered by
	// ID, one page at a time; next is "" after the last page.
	Invitations(ctx context.Context, org ID, f InvitationFilter, p Page) (invs []Invitation, next string, err error)
	// InvitationOrg returns the organisation holding the invitation whose
	// current token hashes to hash, or ErrNotFound.
	InvitationOrg(ctx context.Context, hash [32]byte) (ID, error)
	// InvitationByHash returns the invitation whose current token hashes
	// to hash, or ErrNotFound: a read, for the page that shows an
	// invitation before it is answered.
	InvitationByHash(ctx context.Context, hash [32]byte) (Invitation, error)
	// Request returns an access request of org, or ErrNotFound.
	Request(ctx context.Context, org, id ID) (Request, error)
	// Requests lists the access requests of org with status st (0 for
	// all), ordered by ID, one page at a time.
	Requests(ctx context.Context, org ID, st RequestStatus, p Page) (rs []Request, next string, err error)
	// Partnership returns a partnership that org grants or receives, or
	// ErrNotFound.
	Partnership(ctx context.Context, org, id ID) (Partnership, error)
	// Partnerships lists the partnerships that org grants or receives,
	// ordered by ID, one page at a time; next is "" after the last page.
	// A malformed cursor is ErrInvalid.
	Partnerships(ctx context.Context, org ID, p Page) (pss []Partnership, next string, err error)

	// The change feed (feed.go): every event of every organisation, in
	// one order that a reader follows with one position.

	// Feed returns up to limit events with Pos > after, in Pos order.
	// Each committed event gets exactly one position, and a position is
	// never given to an event that commits later: a reader that reads from
	// its last position on misses nothing and sees nothing twice. Events
	// of one organisation come in Seq order. An event of a unit of work
	// that rolled back never appears. A position before the horizon of
	// Prune is a *PrunedError (the horizon itself is where a reader that
	// missed nothing goes on); a negative one is ErrInvalid.
	Feed(ctx context.Context, after int64, limit int) ([]Event, error)
	// Changes returns a channel that is closed once a unit of work run
	// through this Store commits an event after the call: a follower of
	// the feed waits on it, and on a timer for the commits of other
	// processes.
	Changes() <-chan struct{}
	// Cursor returns the position of the durable cursor name (0 for one
	// never advanced). A name is 1 to 200 bytes of text.
	Cursor(ctx context.Context, name string) (int64, error)
	// Advance moves the cursor name to pos, creating it; a cursor at or
	// after pos stays where it is, so that a late consumer of a batch
	// cannot move it back. A negative pos is ErrInvalid.
	Advance(ctx context.Context, name string, pos int64) error
	// Purge removes the records that deleted organisations left behind
	// their tombstones (Tx.DeleteOrg), at most limit of them, in one short
	// transaction of its own that locks no live organisation, and returns
	// how many it removed: 0 once none is left. A host calls it from a
	// worker, or PurgeAll; a Purge that fails or stops half-way leaves
	// what it had not removed to the next. No read or rule sees the
	// records either way. A limit below 1 is ErrInvalid.
	Purge(ctx context.Context, limit int) (int, error)

	// Prune deletes the events that the feed placed before the first one
	// of time before or later, and returns the horizon: the last position
	// deleted, ever. Cursors stay; a read after a position before the
	// horizon is a *PrunedError. The organisations' audit logs lose the
	// same events.
	Prune(ctx context.Context, before time.Time) (horizon int64, err error)

	// The organisations with ends to record (ends.go).
	EndReader
}

// TokenUpdater is an optional fast path of a Store: the unit of work of an
// accept or decline, found by the invitation's token in one step.
type TokenUpdater interface {
	// UpdateByToken runs fn in a unit of work on the organisation holding
	// the invitation whose current token hashes to hash, and hands fn
	// that invitation as read under the unit of work's lock. Without one
	// it is ErrNotFound and fn does not run. Otherwise it behaves as
	// Store.Update.
	UpdateByToken(ctx context.Context, hash [32]byte, fn func(Tx, Invitation) error) error
}

// NowReader is an optional capability of a Store: the time a unit of work
// would take if it began now (Tx.Now), read without one, so that a read
// judges expiry by the clock the rules judge it by (sqlstore: the
// database's clock, with sqlstore.DatabaseClock). A store without it
// takes its units of work's time from Env.Time, which the rules then read.
type NowReader interface {
	// Now returns the current time of the store's units of work, in UTC,
	// truncated to microseconds.
	Now(ctx context.Context) (time.Time, error)
}

// PrincipalReader is an optional fast path of a Store: the request-time
// lookup of what a user may do in an organisation.
type PrincipalReader interface {
	// Principal returns what the host's user may do in org: its member's
	// grant if it is a member of org; otherwise the grant (ResolvePartner)
	// of a partnership that org grants to the first of the user's
	// organisations, by ID, that org partners with. Without either it is
	// ErrNotFound. It is the request-time lookup, and allocates nothing on
	// the member path.
	Principal(ctx context.Context, org ID, user string) (access.Grant, error)
}
