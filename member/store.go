package member

import (
	"context"
	"time"
)

// The interfaces below are what the member rules need from a store. The
// store package embeds them into store.Store; memstore and sqlstore implement
// them. Stores are transactional and keep no rules: every rule is in this
// package or in invite, written against these interfaces.

// OrgTx reads and writes the organisation a unit of work is for.
type OrgTx interface {
	// Org returns the organisation, as written by the last PutOrg of this
	// unit of work if any.
	Org(ctx context.Context) (Org, error)
	// PutOrg replaces the organisation's record. Its ID cannot change.
	PutOrg(ctx context.Context, o Org) error
	// DeleteOrg deletes the organisation with its members, keys, roles,
	// invitations, requests and partnerships. Its audit events stay
	// readable; every later unit of work on it gets ErrNotFound.
	DeleteOrg(ctx context.Context) error
}

// MemberTx reads and writes the members of one organisation.
type MemberTx interface {
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
	// Seats returns the seats taken at now: staff members of any status,
	// plus pending invitations for staff that have not expired at now.
	Seats(ctx context.Context, now time.Time) (int, error)
}

// RoleTx reads and writes an organisation's custom roles.
type RoleTx interface {
	// Role returns the custom role named name, or ErrNotFound.
	Role(ctx context.Context, name string) (Role, error)
	// PutRole inserts or replaces the custom role r.Name. Members holding
	// it see its new permissions when next loaded.
	PutRole(ctx context.Context, r Role) error
	// DeleteRole deletes the custom role, or returns ErrNotFound.
	DeleteRole(ctx context.Context, name string) error
	// RoleInUse reports whether a member, a pending invitation or a
	// partnership of the organisation refers to the role.
	RoleInUse(ctx context.Context, name string) (bool, error)
}

// KeyTx reads and writes API keys of an organisation's members.
type KeyTx interface {
	// Key returns the key with id, or ErrNotFound.
	Key(ctx context.Context, id ID) (Key, error)
	// PutKey inserts k. A duplicate hash is ErrConflict.
	PutKey(ctx context.Context, k Key) error
	// DeleteKey deletes the key, or returns ErrNotFound.
	DeleteKey(ctx context.Context, id ID) error
}

// AuditTx appends to an organisation's audit log.
type AuditTx interface {
	// Append assigns e the organisation's next sequence number, sets
	// e.Seq, and stores it with the unit of work. A store that holds
	// writes back (see Tx) sets e.Seq when it sends the write, at the
	// latest when the unit of work ends.
	Append(ctx context.Context, e *Event) error
}

// Tx is one unit of work on one organisation: everything read and written
// through it commits together or not at all, serialised with every other
// unit of work on the same organisation.
//
// A store may hold writes back and send them together with its next read
// or when the unit of work ends (sqlstore does on PostgreSQL, to save round
// trips). Reads always see the unit of work's own writes. A held write
// that fails fails the unit of work with the write's own error, whatever
// the later calls returned meanwhile.
type Tx interface {
	// Env returns the store's environment.
	Env() *Env
	OrgTx
	MemberTx
	RoleTx
	KeyTx
	AuditTx
}

// Page selects a page of a list: the first Limit items after the cursor
// After ("" for the first page). Limit 0 means DefaultPageSize; more than
// MaxPageSize is MaxPageSize.
type Page struct {
	After string
	Limit int
}

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// Size returns the effective page size.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageSize
	case p.Limit > MaxPageSize:
		return MaxPageSize
	}
	return p.Limit
}

// Filter selects members: zero fields select everything.
type Filter struct {
	Status Status
	Kind   Kind
	Role   string
}

// Match reports whether m passes the filter.
func (f Filter) Match(m *Member) bool {
	return (f.Status == 0 || m.Status == f.Status) &&
		(f.Kind == 0 || m.Kind == f.Kind) &&
		(f.Role == "" || m.Role == f.Role)
}

// Reader reads an organisation's members outside a unit of work. Every
// member it returns is resolved.
type Reader interface {
	// Org returns the organisation, or ErrNotFound (also once deleted).
	Org(ctx context.Context, id ID) (Org, error)
	// Member returns a member of org, or ErrNotFound.
	Member(ctx context.Context, org, id ID) (Member, error)
	// MemberByUser returns the member for the host's user in org, or
	// ErrNotFound. It is the lookup on every request, and fast.
	MemberByUser(ctx context.Context, org ID, user string) (Member, error)
	// Members lists the members of org that pass f, ordered by ID, one
	// page at a time; next is "" after the last page. An unknown org
	// lists nothing; a malformed cursor is ErrInvalid.
	Members(ctx context.Context, org ID, f Filter, p Page) (ms []Member, next string, err error)
	// UserOrgs returns the user's memberships in every organisation,
	// ordered by organisation ID.
	UserOrgs(ctx context.Context, user string) ([]Member, error)
	// Roles returns the custom roles of org, ordered by name.
	Roles(ctx context.Context, org ID) ([]Role, error)
	// Keys returns the API keys of a member, ordered by ID.
	Keys(ctx context.Context, org, member ID) ([]Key, error)
	// KeyByHash returns the key with the hash, or ErrNotFound.
	KeyByHash(ctx context.Context, hash [32]byte) (Key, error)
	// Events returns up to limit audit events of org with Seq > after,
	// in Seq order. They stay readable after the organisation is deleted.
	Events(ctx context.Context, org ID, after int64, limit int) ([]Event, error)
}

// Store is what the member rules run on.
type Store interface {
	Reader
	// Env returns the store's environment.
	Env() *Env
	// InsertOrg creates the organisation o and runs fn on it, in one unit
	// of work: if fn fails, the organisation is not created. An existing
	// ID is ErrConflict.
	InsertOrg(ctx context.Context, o Org, fn func(Tx) error) error
	// UpdateMembers runs fn in a unit of work on org: fn's writes commit
	// together if it returns nil and are discarded otherwise, and fn's
	// error is returned as is. A missing or deleted org is ErrNotFound and
	// fn does not run. fn must use only tx, and not keep it.
	UpdateMembers(ctx context.Context, org ID, fn func(Tx) error) error
}
