package store

import (
	"context"
	"time"

	"github.com/rosterhq/roster/access"
)

// A Key is an API key. Only its SHA-256 hash is kept; the secret is shown
// once, when the key is issued (or rotated).
//
// A member's key acts for its member (Member), with at most what the member
// holds when the key is used; an organisation's service key (Member is the
// zero ID) belongs to no member, acts in its own name, and holds exactly
// Perms.
type Key struct {
	ID     ID
	Org    ID
	Member ID // the zero ID for a service key
	Name   string
	Prefix string // the secret's first characters, to recognise it in a list
	Hash   [32]byte
	// Perms limits what the key holds: a member's key holds what its
	// member holds and Perms lists, computed when the key is used, so
	// that it narrows with its member; an empty Perms limits nothing (the
	// key holds what its member holds). A service key holds Perms.
	// Stored by name, as a member's permissions are.
	Perms access.Set
	// Stale lists the names in Perms's stored form that are not current
	// names of the policy (FieldPerms; see StaleName): written back as
	// they are, listed by member.Drift. A key whose stored names the
	// policy all dropped has an empty Perms and a non-empty Stale: it
	// holds nothing (Limits), never what an empty Perms means.
	Stale   []StaleName
	Created time.Time
	// Expires is when the key stops working; zero for a key issued before
	// keys expired, which never does.
	Expires time.Time
	// LastUsed is when the key was last seen in use, as recorded by a
	// member.KeyUsage (coalesced: a bounded time behind); zero if never.
	LastUsed time.Time
}

// Limits reports whether k limits what it holds to Perms: when Perms is
// not empty, and when it is empty only because every name it stored was
// dropped from the policy (Stale), so that a policy change never widens a
// key to everything its member holds. A member's key that does not limit
// holds what its member holds.
func (k Key) Limits() bool { return !k.Perms.IsEmpty() || len(k.Stale) > 0 }

// Service reports whether k is an organisation's service key, which belongs
// to no member.
func (k Key) Service() bool { return k.Member == (ID{}) }

// Expired reports whether k has stopped working at now.
func (k Key) Expired(now time.Time) bool { return !k.Expires.IsZero() && !now.Before(k.Expires) }

// KeyHolderReader is an optional fast path of a Store: the request-time
// lookup of an API key with its member, in one read.
type KeyHolderReader interface {
	// KeyHolder returns the key with the hash and, for a member's key, its
	// member, resolved (a zero Member for a service key); or ErrNotFound.
	// It reads the store once (one query on a SQL store).
	KeyHolder(ctx context.Context, hash [32]byte) (Key, Member, error)
}

// A KeyUse is when one key was last seen in use.
type KeyUse struct {
	Org, Key ID
	At       time.Time
}

// KeyUsageWriter is an optional capability of a Store: it records when keys
// were last used, outside any unit of work and without an audit event (a
// key's use is not a change of the organisation). member.KeyUsage writes
// through it.
type KeyUsageWriter interface {
	// TouchKeys sets each key's LastUsed to its use's At, unless the key
	// records a later use already; a key that is gone is skipped. It is
	// idempotent.
	TouchKeys(ctx context.Context, uses []KeyUse) error
}
