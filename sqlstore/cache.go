package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/store"
)

// CacheOptions switch on the request cache (Options.Cache): the answers of
// the request path (MemberByUser, Member, Principal and so invite.Grant,
// KeyByHash and so member.Authenticate, and "not a member") kept in memory
// and dropped by following the change feed.
//
// The cache never answers staler than MaxStale: it answers only while its
// follower has read the feed to its end, starting no longer than MaxStale
// ago. A follower that falls behind or cannot reach the database (the
// feed's row locked, the network down) stops the cache from answering, and
// every read goes to the database, and fails if the database fails: never a
// stale allow. A change made through the same Store drops what it changed
// at once (read-your-writes), and a read under store.AtLeast is answered
// from the cache only if its follower has seen the token's changes.
type CacheOptions struct {
	// MaxStale bounds how old an answer from the cache may be; 0 means
	// one second. The follower reads the feed four times as often.
	MaxStale time.Duration
	// MaxEntries caps the entries kept; 0 means 100,000. At the cap, an
	// entry in, an entry out (an arbitrary one).
	MaxEntries int
}

// cache is the request cache of a Store. A hit takes no lock that another
// organisation's hit takes, and writes nothing shared: the organisations
// are found in a sync.Map, and each organisation's entries are behind its
// own lock. mu, taken before any organisation's lock, serialises the
// writers: entries kept, batches applied, evictions.
type cache struct {
	s        *Store
	maxStale time.Duration
	max      int

	// fresh is when (Unix nanoseconds) the last read of the feed that
	// reached its end began: every change committed before it has been
	// applied. It has a cache line of its own: the follower writes it,
	// every hit reads it.
	_     [64]byte
	fresh atomic.Int64
	_     [56]byte

	orgs    sync.Map // ID → *orgCache; entries are never removed, only emptied
	epoch   atomic.Uint64
	applied atomic.Uint64 // moves on with each batch of events applied

	mu    sync.Mutex
	users map[string]*userCache // principal entries by user
	keys  map[[32]byte]keyEntry
	n     int // entries

	misses atomic.Int64

	start sync.Once
	stop  context.CancelFunc
	done  chan struct{}
}

// orgCache is the entries of one organisation, and how often they were
// dropped, so that an answer read from the database while they were
// dropped is not kept.
type orgCache struct {
	mu        sync.RWMutex
	gen       uint64
	seen      int64 // the last Seq of the organisation the follower applied
	byUser    map[string]memberEntry
	byID      map[ID]memberEntry
	principal map[string]grantEntry
}

// userCache is the organisations where a user has a principal entry: a
// change of the user's membership anywhere may change its grant through a
// partnership.
type userCache struct {
	gen  uint64
	orgs []ID
}

type memberEntry struct {
	m  store.Member
	ok bool // false: not a member
}

type grantEntry struct {
	g  access.Grant
	ok bool
}

type keyEntry struct {
	k   store.Key
	gen uint64 // of k.Org's entries
}

// stamp is the generations an answer is read under: kept only if none
// moved on while it was read.
type stamp struct {
	epoch, org, user uint64
}

func newCache(s *Store, o *CacheOptions) *cache {
	c := &cache{s: s, maxStale: o.MaxStale, max: o.MaxEntries, users: make(map[string]*userCache), keys: make(map[[32]byte]keyEntry)}
	if c.maxStale <= 0 {
		c.maxStale = time.Second
	}
	if c.max <= 0 {
		c.max = 100_000
	}
	return c
}

// reset drops every entry; c.mu is held.
func (c *cache) reset() {
	c.epoch.Add(1)
	c.applied.Add(1)
	c.orgs.Range(func(_, v any) bool {
		o := v.(*orgCache)
		o.mu.Lock()
		o.gen++
		clear(o.byUser)
		clear(o.byID)
		clear(o.principal)
		o.mu.Unlock()
		return true
	})
	clear(c.users)
	clear(c.keys)
	c.n = 0
}

// usable reports whether the cache may answer a read under ctx.
func (c *cache) usable(ctx context.Context) bool {
	c.start.Do(c.run)
	if time.Now().UnixNano()-c.fresh.Load() > int64(c.maxStale) {
		return false
	}
	if tok, ok := store.Wanted(ctx); ok {
		for _, m := range tok.Marks() {
			o := c.lookup(m.Org)
			if o == nil {
				return false
			}
			o.mu.RLock()
			seen := o.seen
			o.mu.RUnlock()
			if seen < m.Seq {
				return false
			}
		}
	}
	return true
}

func (c *cache) lookup(id ID) *orgCache {
	if v, ok := c.orgs.Load(id); ok {
		return v.(*orgCache)
	}
	return nil
}

// org returns the entries of id, made if need be.
func (c *cache) org(id ID) *orgCache {
	if o := c.lookup(id); o != nil {
		return o
	}
	v, _ := c.orgs.LoadOrStore(id, &orgCache{byUser: make(map[string]memberEntry), byID: make(map[ID]memberEntry), principal: make(map[string]grantEntry)})
	return v.(*orgCache)
}

// stampOf returns the generations that an answer on org (for user, if
// set) is read under.
func (c *cache) stampOf(org ID, user string) stamp {
	st := stamp{epoch: c.epoch.Load()}
	if o := c.lookup(org); o != nil {
		o.mu.RLock()
		st.org = o.gen
		o.mu.RUnlock()
	}
	if user != "" {
		c.mu.Lock()
		if u := c.users[user]; u != nil {
			st.user = u.gen
		}
		c.mu.Unlock()
	}
	return st
}

// valid reports whether st is still current for o; c.mu and o.mu are held.
func (c *cache) valid(o *orgCache, user string, st stamp) bool {
	var ug uint64
	if u := c.users[user]; u != nil {
		ug = u.gen
	}
	return st.epoch == c.epoch.Load() && st.org == o.gen && st.user == ug
}

// room makes room for one more entry; c.mu is held, and no organisation's
// lock.
func (c *cache) room() {
	for c.n >= c.max && c.evict() {
	}
	c.n++
}

// evict drops an arbitrary entry, and reports whether there was one; c.mu
// is held.
func (c *cache) evict() bool {
	for h := range c.keys {
		delete(c.keys, h)
		c.n--
		return true
	}
	done := false
	c.orgs.Range(func(_, v any) bool {
		o := v.(*orgCache)
		o.mu.Lock()
		defer o.mu.Unlock()
		for k := range o.byUser {
			delete(o.byUser, k)
			done = true
			break
		}
		if !done {
			for k := range o.byID {
				delete(o.byID, k)
				done = true
				break
			}
		}
		if !done {
			for k := range o.principal {
				delete(o.principal, k)
				done = true
				break
			}
		}
		return !done
	})
	if done {
		c.n--
	}
	return done
}

func notMember(org ID, what string) error {
	return fmt.Errorf("%s of organisation %v: %w", what, org, store.ErrNotFound)
}

// member answers MemberByUser (user set) or Member (id set) from the cache,
// or returns the stamp to keep the database's answer with.
func (c *cache) member(ctx context.Context, org ID, user string, id ID) (store.Member, error, bool, stamp) {
	if c.usable(ctx) {
		if o := c.lookup(org); o != nil {
			var e memberEntry
			var hit bool
			o.mu.RLock()
			if user != "" {
				e, hit = o.byUser[user]
			} else {
				e, hit = o.byID[id]
			}
			o.mu.RUnlock()
			if hit {
				if !e.ok {
					return store.Member{}, notMember(org, "member"), true, stamp{}
				}
				m := e.m
				m.Stale = slices.Clone(m.Stale) // the caller's own copy
				return m, nil, true, stamp{}
			}
		}
	}
	c.misses.Add(1)
	return store.Member{}, nil, false, c.stampOf(org, "")
}

// keep stores an answer the database gave under st (err nil or
// ErrNotFound, else nothing is kept) with put, which reports whether it
// replaced an entry; with c.mu and o.mu held.
func (c *cache) keep(org ID, user string, st stamp, err error, put func(o *orgCache) (replaced bool)) {
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.room()
	o := c.org(org)
	o.mu.Lock()
	defer o.mu.Unlock()
	if !c.valid(o, user, st) || put(o) {
		c.n--
	}
}

// putMember keeps the database's answer to MemberByUser or Member.
func (c *cache) putMember(org ID, user string, id ID, st stamp, m store.Member, err error) {
	c.keep(org, "", st, err, func(o *orgCache) (had bool) {
		if user != "" {
			_, had = o.byUser[user]
			o.byUser[user] = memberEntry{m, err == nil}
		} else {
			_, had = o.byID[id]
			o.byID[id] = memberEntry{m, err == nil}
		}
		return had
	})
}

// principal answers Principal from the cache, or returns the stamp to keep
// the database's answer with.
func (c *cache) principal(ctx context.Context, org ID, user string) (access.Grant, error, bool, stamp) {
	if c.usable(ctx) {
		if o := c.lookup(org); o != nil {
			o.mu.RLock()
			e, hit := o.principal[user]
			o.mu.RUnlock()
			if hit {
				if !e.ok {
					return access.Grant{}, notMember(org, "user "+user+" is neither a member nor a partner member"), true, stamp{}
				}
				return e.g, nil, true, stamp{}
			}
		}
	}
	c.misses.Add(1)
	return access.Grant{}, nil, false, c.stampOf(org, user)
}

// putPrincipal keeps the database's answer to Principal.
func (c *cache) putPrincipal(org ID, user string, st stamp, g access.Grant, err error) {
	c.keep(org, user, st, err, func(o *orgCache) bool {
		_, had := o.principal[user]
		o.principal[user] = grantEntry{g, err == nil}
		u := c.users[user]
		if u == nil {
			u = &userCache{}
			c.users[user] = u
		}
		if !slices.Contains(u.orgs, org) {
			u.orgs = append(u.orgs, org)
		}
		return had
	})
}

// key answers KeyByHash from the cache, or returns the count of batches
// applied before the database is read: a key's organisation is known only
// once it is read, so it is kept only if no batch was applied meanwhile.
func (c *cache) key(ctx context.Context, hash [32]byte) (store.Key, bool, uint64) {
	applied := c.applied.Load()
	if c.usable(ctx) {
		c.mu.Lock()
		e, hit := c.keys[hash]
		c.mu.Unlock()
		if hit {
			if o := c.lookup(e.k.Org); o != nil {
				o.mu.RLock()
				hit = o.gen == e.gen
				o.mu.RUnlock()
			}
			if hit {
				k := e.k
				k.Stale = slices.Clone(k.Stale) // the caller's own copy
				return k, true, 0
			}
		}
	}
	c.misses.Add(1)
	return store.Key{}, false, applied
}

// putKey keeps a key read from the database after key returned applied.
func (c *cache) putKey(hash [32]byte, applied uint64, k store.Key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if applied != c.applied.Load() {
		return
	}
	c.room()
	o := c.org(k.Org)
	o.mu.RLock()
	gen := o.gen
	o.mu.RUnlock()
	if _, had := c.keys[hash]; had {
		c.n--
	}
	c.keys[hash] = keyEntry{k, gen}
}

// apply drops what the events changed: everything of their organisations,
// the partner grants of the users they name, and everything at once after
// an organisation's deletion.
func (c *cache) apply(evs []store.Event) {
	if len(evs) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.applied.Add(1)
	for _, e := range evs {
		if e.Type == store.OrgDeleted {
			c.reset()
		}
		o := c.org(e.Org)
		o.mu.Lock()
		o.gen++
		o.seen = max(o.seen, e.Seq)
		c.n -= len(o.byUser) + len(o.byID) + len(o.principal)
		clear(o.byUser)
		clear(o.byID)
		clear(o.principal)
		o.mu.Unlock()
		if u := c.users[e.Target.UserID]; e.Target.UserID != "" && u != nil {
			u.gen++
			for _, id := range u.orgs {
				if oo := c.lookup(id); oo != nil {
					oo.mu.Lock()
					if _, ok := oo.principal[e.Target.UserID]; ok {
						delete(oo.principal, e.Target.UserID)
						c.n--
					}
					oo.mu.Unlock()
				}
			}
			u.orgs = nil
		}
	}
	c.n = max(c.n, 0)
}

// run starts the follower.
func (c *cache) run() {
	ctx, stop := context.WithCancel(context.Background())
	c.stop, c.done = stop, make(chan struct{})
	go func() {
		defer close(c.done)
		c.follow(ctx)
	}()
}

// close stops the follower.
func (c *cache) close() {
	c.start.Do(func() {}) // a cache never started never starts
	if c.stop != nil {
		c.stop()
		<-c.done
	}
}

// follow reads the feed from its end on, every MaxStale/4, applies each
// batch, and marks the cache fresh after each read that reached the feed's
// end, until ctx ends.
func (c *cache) follow(ctx context.Context) {
	poll := max(c.maxStale/4, time.Millisecond)
	var pos int64
	known := false
	for ctx.Err() == nil {
		began := time.Now()
		if !known {
			if p, err := c.s.feedEnd(ctx); err == nil {
				pos, known = p, true
			}
		}
		for known {
			evs, err := c.s.Feed(ctx, pos, store.MaxPageSize)
			var pe *store.PrunedError
			if errors.As(err, &pe) {
				// Events this follower had not applied are gone: drop
				// everything and go on from the horizon.
				c.mu.Lock()
				c.reset()
				c.mu.Unlock()
				pos = pe.Earliest - 1
				continue
			}
			if err != nil {
				break
			}
			c.apply(evs)
			if len(evs) > 0 {
				pos = evs[len(evs)-1].Pos
			}
			if len(evs) < store.MaxPageSize {
				c.fresh.Store(began.UnixNano())
				break
			}
		}
		// This Store's own commits dropped their entries as they
		// returned: the follower need not wake for them.
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}
