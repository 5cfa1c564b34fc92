package memstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// ID is member.ID.
type ID = store.ID

var (
	_ store.Store           = (*Store)(nil)
	_ store.PrincipalReader = (*Store)(nil)
)

// Store keeps organisations in memory.
type Store struct {
	env *store.Env

	mu    sync.RWMutex // guards the maps below, not the organisations' contents
	orgs  map[ID]*org
	users map[string]map[ID]struct{} // user → organisations it is a member of
	// The committed members by (organisation, user): the request-time
	// lookup reads this index alone, under its own locks.
	byOrgUser *userIndex
	tokens    map[[32]byte]ID // invitation token hash → organisation
	keys      map[[32]byte]ID // API key hash → organisation

	// Partnerships by ID and by (granting, partner) organisation, with
	// the permissions of their level resolved.
	partners map[ID]partnerEntry
	pairs    map[[2]ID]ID

	feed feedLog

	// dead are the deleted organisations whose records Purge has yet to
	// remove, oldest first.
	dead []*org
}

type partnerEntry struct {
	ps store.Partnership
	// The grant for a partner member who is inactive ([0]) or active ([1]),
	// resolved when the partnership or its level changes.
	grants [2]access.Grant
}

// New returns an empty store that runs the rules with env.
func New(env store.Env) (*Store, error) {
	e, err := env.Init()
	if err != nil {
		return nil, err
	}
	return &Store{
		env:   e,
		orgs:  make(map[ID]*org),
		users: make(map[string]map[ID]struct{}),

		byOrgUser: newUserIndex(),
		tokens:    make(map[[32]byte]ID),
		keys:      make(map[[32]byte]ID),

		partners: make(map[ID]partnerEntry),
		pairs:    make(map[[2]ID]ID),
	}, nil
}

// Env returns the store's environment.
func (s *Store) Env() *store.Env { return s.env }

type pendingKey struct {
	kind  store.InvitationKind
	email string
}

// org is one organisation's state. A unit of work first takes gate, waiting
// on it no longer than its context allows, then holds mu for writing for its
// whole length; readers hold mu for reading, and never wait on gate. So a
// unit of work behind another one waits on gate, where a deadline ends the
// wait, and on mu only for the readers already in.
type org struct {
	gate chan struct{} // a token: held by the unit of work in progress
	mu   sync.RWMutex
	// gone is set when the organisation's deletion commits, for the
	// readers of the Store's indexes, which hold none of its locks: its
	// records stay (orgData, and their entries in the indexes) until
	// Purge removes them, and every reader passes them by.
	gone atomic.Bool
	orgData

	// The audit log, which outlives the organisation: events[i] has Seq
	// pruned+i+1. The records are shared with the Store's feed.
	events []*store.Event
	pruned int64
}

// lock takes the organisation for a unit of work, or returns ctx's error,
// having taken nothing, once ctx ends first.
func (o *org) lock(ctx context.Context) error {
	select {
	case o.gate <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	o.mu.Lock()
	return nil
}

func (o *org) unlock() {
	o.mu.Unlock()
	<-o.gate
}

type orgData struct {
	deleted bool
	rec     store.Org

	members map[ID]*store.Member     // resolved
	order   idSet                    // member IDs, sorted
	byUser  map[string]*store.Member // the same records as members
	byEmail map[string]ID
	owner   ID
	staff   int            // staff members, for seats
	holders map[string]int // members per role, for RoleInUse
	// The member IDs by role, status and kind, sorted: a filtered page
	// reads one of them, as a SQL store reads an index.
	byRole   map[string]*idSet
	byStatus map[store.Status]*idSet
	byKind   map[store.Kind]*idSet

	roles map[string]store.Role
	keys  map[ID]store.Key
	// The keys by member (IDs, sorted) and by hash, so that removing a
	// member or counting its keys reads its keys alone.
	memberKeys map[ID][]ID
	keyHashes  map[[32]byte]ID

	invs    map[ID]*store.Invitation
	byHash  map[[32]byte]ID
	pending map[pendingKey]ID
	// The invitations' IDs, sorted, and the pending ones': a page of the
	// pending list reads no closed invitation.
	invOrder, pendingOrder idSet
	// The pending invitations for staff by expiry, for seats: those past
	// their expiry are a prefix of it, found by binary search.
	seatsDue blockSet[expiry, byExpiry]
	// pendingRoles counts the pending invitations by role, for RoleInUse.
	pendingRoles map[string]int

	reqs    map[ID]*store.Request
	openReq map[string]ID
	code    *store.Code
	tries   map[string]store.CodeAttempt // by user ID; nil until the first

	partners  map[ID]store.Partnership // granted by this organisation
	byPartner map[ID]ID                // partner organisation → partnership
}

func newOrg(rec store.Org) *org {
	return &org{gate: make(chan struct{}, 1), orgData: orgData{
		rec:     rec,
		members: make(map[ID]*store.Member),
		byUser:  make(map[string]*store.Member),
		byEmail: make(map[string]ID),
		holders: make(map[string]int),

		byRole:   make(map[string]*idSet),
		byStatus: make(map[store.Status]*idSet),
		byKind:   make(map[store.Kind]*idSet),

		roles: make(map[string]store.Role),
		keys:  make(map[ID]store.Key),

		memberKeys:   make(map[ID][]ID),
		keyHashes:    make(map[[32]byte]ID),
		invs:         make(map[ID]*store.Invitation),
		byHash:       make(map[[32]byte]ID),
		pending:      make(map[pendingKey]ID),
		pendingRoles: make(map[string]int),
		reqs:         make(map[ID]*store.Request),
		openReq:      make(map[string]ID),

		partners:  make(map[ID]store.Partnership),
		byPartner: make(map[ID]ID),
	}}
}

// lookup returns the organisation with id, deleted or not.
func (s *Store) lookup(id ID) (*org, bool) {
	s.mu.RLock()
	o, ok := s.orgs[id]
	s.mu.RUnlock()
	return o, ok
}

// readOrg runs fn with the organisation read-locked; a missing or deleted
// organisation is ErrNotFound.
func (s *Store) readOrg(id ID, fn func(o *org) error) error {
	o, ok := s.lookup(id)
	if !ok {
		return fmt.Errorf("organisation %v: %w", id, store.ErrNotFound)
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.deleted {
		return fmt.Errorf("organisation %v: %w", id, store.ErrNotFound)
	}
	return fn(o)
}

// InsertOrg implements store.Store.
func (s *Store) InsertOrg(ctx context.Context, rec store.Org, fn func(store.Tx) error) error {
	ctx, u, done := rule.Observe(ctx, s.env, rec.ID)
	return done(s.insertOrg(ctx, rec, fn, u))
}

func (s *Store) insertOrg(ctx context.Context, rec store.Org, fn func(store.Tx) error, u *store.Unit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, exists := s.lookup(rec.ID); exists {
		return fmt.Errorf("%w: organisation %v exists", store.ErrConflict, rec.ID)
	}
	o := newOrg(rec)
	if err := o.lock(ctx); err != nil {
		return err
	}
	defer o.unlock()
	tx := &tx{s: s, o: o, ctx: ctx, now: s.env.Time(), unit: u}
	if o.rec.Created.IsZero() {
		o.rec.Created = tx.now
	}
	if o.rec.Updated.IsZero() {
		o.rec.Updated = tx.now
	}
	if err := guard(func() error { return fn(tx) }, tx); err != nil {
		tx.rollback()
		return err
	}
	if err := ctx.Err(); err != nil {
		tx.rollback()
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.orgs[rec.ID]; exists {
		tx.rollback()
		return fmt.Errorf("%w: organisation %v exists", store.ErrConflict, rec.ID)
	}
	s.orgs[rec.ID] = o
	tx.applyIndexes()
	capture(ctx, tx)
	s.feed.place(tx)
	return nil
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, id ID, fn func(store.Tx) error) error {
	ctx, u, done := rule.Observe(ctx, s.env, id)
	return done(s.run(ctx, []ID{id}, func(txs []*tx) error { return fn(txs[0]) }, u))
}

// UpdatePair implements store.Store.
func (s *Store) UpdatePair(ctx context.Context, a, b ID, fn func(ta, tb store.Tx) error) error {
	if a == b {
		return fmt.Errorf("%w: a pair of organisations needs two", store.ErrInvalid)
	}
	ctx, u, done := rule.Observe(ctx, s.env, a, b)
	return done(s.run(ctx, []ID{a, b}, func(txs []*tx) error { return fn(txs[0], txs[1]) }, u))
}

// run runs fn in a unit of work on each of ids, taking their locks in ID
// order, and commits all or none.
func (s *Store) run(ctx context.Context, ids []ID, fn func([]*tx) error, u *store.Unit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	orgs := make([]*org, len(ids))
	for i, id := range ids {
		o, ok := s.lookup(id)
		if !ok {
			return fmt.Errorf("organisation %v: %w", id, store.ErrNotFound)
		}
		orgs[i] = o
	}
	// Lock in the order of the IDs asked for, which no one else writes
	// (o.rec is written under o.mu, so it cannot order the locking).
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return compareID(ids[a], ids[b]) })
	for _, i := range order {
		if err := orgs[i].lock(ctx); err != nil {
			return err
		}
		defer orgs[i].unlock()
	}
	txs := make([]*tx, len(orgs))
	now := s.env.Time() // once the organisations are locked
	for i, o := range orgs {
		if o.deleted {
			return fmt.Errorf("organisation %v: %w", ids[i], store.ErrNotFound)
		}
		txs[i] = &tx{s: s, o: o, ctx: ctx, now: now, unit: u}
	}
	err := guard(func() error { return fn(txs) }, txs...)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		for _, t := range txs {
			t.rollback()
		}
		return err
	}
	s.mu.Lock()
	for _, t := range txs {
		t.applyIndexes()
	}
	capture(ctx, txs...)
	s.feed.place(txs...)
	s.mu.Unlock()
	return nil
}

// capture adds the events of committed units of work to the token of ctx,
// if it has one (store.Capture).
func capture(ctx context.Context, txs ...*tx) {
	if tok := store.Captured(ctx); tok != nil {
		for _, t := range txs {
			for _, e := range t.appended {
				*tok = tok.Add(e.Org, e.Seq)
			}
		}
	}
}

// pageOf reads one page of an organisation's records, under its read lock:
// of the IDs that ids gives in order, those after the cursor that get
// keeps. An unknown or deleted organisation lists nothing.
func pageOf[T any](s *Store, orgID ID, p store.Page, ids func(o *org) []ID, get func(o *org, id ID) (T, bool)) ([]T, string, error) {
	if _, err := rule.ParseCursor(p.After); err != nil {
		return nil, "", err
	}
	var out []T
	var next string
	err := s.readOrg(orgID, func(o *org) error {
		var err error
		out, next, err = page(ids(o), p, func(id ID) (T, bool) { return get(o, id) })
		return err
	})
	if err != nil && !isNotFound(err) {
		return nil, "", err
	}
	return out, next, nil
}

// pageIndex reads one page of an organisation's records, under its read
// lock, as pageOf does, from an index of it (nil is empty): only the IDs of
// the page, and those get refuses on the way, not the whole organisation.
func pageIndex[T any](s *Store, orgID ID, p store.Page, index func(o *org) *idSet, get func(o *org, id ID) (T, bool)) ([]T, string, error) {
	after, err := rule.ParseCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	n := p.Size()
	var out []T
	var next string
	err = s.readOrg(orgID, func(o *org) error {
		ids := index(o)
		out = make([]T, 0, min(n, ids.len())) // one allocation, no copies as it grows
		var last ID
		ids.each(after, p.After != "", func(id ID) bool {
			v, ok := get(o, id)
			if !ok {
				return true
			}
			if len(out) == n {
				next = rule.EncodeCursor(last)
				return false
			}
			out = append(out, v)
			last = id
			return true
		})
		return nil
	})
	if err != nil && !isNotFound(err) {
		return nil, "", err
	}
	return out, next, nil
}

// page returns the items of sorted after the cursor, up to the page size,
// that get accepts, and the cursor of the next page.
func page[T any](sorted []ID, p store.Page, get func(ID) (T, bool)) ([]T, string, error) {
	after, err := rule.ParseCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	out, next := pageSorted(sorted, after, p.After != "", p.Size(), compareID, rule.EncodeCursor, get)
	return out, next, nil
}

// pageNames is page for a list ordered by name.
func pageNames[T any](sorted []string, p store.Page, get func(string) (T, bool)) ([]T, string, error) {
	after, err := rule.ParseNameCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	out, next := pageSorted(sorted, after, p.After != "", p.Size(), strings.Compare, rule.EncodeNameCursor, get)
	return out, next, nil
}

// pageSorted returns up to n items of the keys of sorted that follow after
// (all of them, unless from), that get accepts, and the cursor of the next
// page: encode of the last key returned, or "" after the last page.
func pageSorted[K, T any](sorted []K, after K, from bool, n int, cmp func(a, b K) int, encode func(K) string, get func(K) (T, bool)) ([]T, string) {
	i := 0
	if from {
		var found bool
		if i, found = slices.BinarySearchFunc(sorted, after, cmp); found {
			i++
		}
	}
	var out []T
	var last K
	for ; i < len(sorted); i++ {
		if v, ok := get(sorted[i]); ok {
			if len(out) == n {
				return out, encode(last)
			}
			out, last = append(out, v), sorted[i]
		}
	}
	return out, ""
}

// guard runs fn; if fn panics, it undoes what the units of work wrote
// before the panic goes on, as a failed unit of work would.
func guard(fn func() error, txs ...*tx) error {
	defer func() {
		if p := recover(); p != nil {
			for _, t := range txs {
				t.rollback()
			}
			panic(p)
		}
	}()
	return fn()
}

func compareID(a, b ID) int { return cmp.Compare(string(a[:]), string(b[:])) }

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
