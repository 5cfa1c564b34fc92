package sqlstore

import (
	"context"
	"errors"
	"fmt"
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

// cache is the request cache of a Store.
type cache struct {
	s        *Store
	maxStale time.Duration
	max      int

	// fresh is when (Unix nanoseconds) the last read of the feed that
	// reached its end began: every change committed before it has been
	// applied.
	fresh atomic.Int64

	mu      sync.RWMutex
	epoch   uint64 // moves on when the whole cache is dropped
	applied uint64 // moves on with each batch of events applied
	orgs    map[ID]*orgCache
	users   map[string]*userCache // principal entries by user
	keys    map[[32]byte]keyEntry
	n       int // entries

	hits, misses atomic.Int64

	start sync.Once
	stop  context.CancelFunc
	done  chan struct{}
}

// orgCache is the entries of one organisation, and how often they were
// dropped, so that an answer read from the database while they were
// dropped is not kept.
type orgCache struct {
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
	orgs map[ID]struct{}
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
	c := &cache{s: s, maxStale: o.MaxStale, max: o.MaxEntries}
	if c.maxStale <= 0 {
		c.maxStale = time.Second
	}
	if c.max <= 0 {
		c.max = 100_000
	}
	c.reset()
	return c
}

// reset drops every entry; c.mu is held, or c is new.
func (c *cache) reset() {
	c.epoch++
	c.applied++
	c.orgs, c.users, c.keys, c.n = make(map[ID]*orgCache), make(map[string]*userCache), make(map[[32]byte]keyEntry), 0
}

// usable reports whether the cache may answer a read under ctx on org.
func (c *cache) usable(ctx context.Context) bool {
	c.start.Do(c.run)
	if time.Now().UnixNano()-c.fresh.Load() > int64(c.maxStale) {
		return false
	}
	if tok, ok := store.Wanted(ctx); ok {
		c.mu.RLock()
		defer c.mu.RUnlock()
		for _, m := range tok.Marks() {
			o := c.orgs[m.Org]
			if o == nil || o.seen < m.Seq {
				return false
			}
		}
	}
	return true
}

func (c *cache) org(id ID) *orgCache {
	o := c.orgs[id]
	if o == nil {
		o = &orgCache{byUser: make(map[string]memberEntry), byID: make(map[ID]memberEntry), principal: make(map[string]grantEntry)}
		c.orgs[id] = o
	}
	return o
}

// stampOf returns the generations that an answer on org (for user, if
// set) is read under.
func (c *cache) stampOf(org ID, user string) stamp {
	c.mu.RLock()
	defer c.mu.RUnlock()
	st := stamp{epoch: c.epoch}
	if o := c.orgs[org]; o != nil {
		st.org = o.gen
	}
	if u := c.users[user]; u != nil {
		st.user = u.gen
	}
	return st
}

// valid reports whether st is still current; c.mu is held.
func (c *cache) valid(org ID, user string, st stamp) bool {
	if st.epoch != c.epoch {
		return false
	}
	var og, ug uint64
	if o := c.orgs[org]; o != nil {
		og = o.gen
	}
	if u := c.users[user]; u != nil {
		ug = u.gen
	}
	return st.org == og && st.user == ug
}

// room makes room for one more entry; c.mu is held for writing.
func (c *cache) room() {
	for c.n >= c.max {
		c.evict()
	}
	c.n++
}

// evict drops an arbitrary entry; c.mu is held for writing.
func (c *cache) evict() {
	for h := range c.keys {
		delete(c.keys, h)
		c.n--
		return
	}
	for _, o := range c.orgs {
		for k := range o.byUser {
			delete(o.byUser, k)
			c.n--
			return
		}
		for k := range o.byID {
			delete(o.byID, k)
			c.n--
			return
		}
		for k := range o.principal {
			delete(o.principal, k)
			c.n--
			return
		}
	}
	c.n = 0 // nothing left to evict
}

func notMember(org ID, what string) error {
	return fmt.Errorf("%s of organisation %v: %w", what, org, store.ErrNotFound)
}

// member answers MemberByUser (user set) or Member (id set) from the cache,
// or returns the stamp to keep the database's answer with.
func (c *cache) member(ctx context.Context, org ID, user string, id ID) (store.Member, error, bool, stamp) {
	if c.usable(ctx) {
		c.mu.RLock()
		var e memberEntry
		var hit bool
		if o := c.orgs[org]; o != nil {
			if user != "" {
				e, hit = o.byUser[user]
			} else {
				e, hit = o.byID[id]
			}
		}
		c.mu.RUnlock()
		if hit {
			c.hits.Add(1)
			if !e.ok {
				return store.Member{}, notMember(org, "member"), true, stamp{}
			}
			return e.m, nil, true, stamp{}
		}
	}
	c.misses.Add(1)
	return store.Member{}, nil, false, c.stampOf(org, "")
}

// putMember keeps the database's answer to MemberByUser or Member.
func (c *cache) putMember(org ID, user string, id ID, st stamp, m store.Member, err error) {
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid(org, "", st) {
		return
	}
	c.room()
	o := c.org(org)
	if user != "" {
		o.byUser[user] = memberEntry{m, err == nil}
	} else {
		o.byID[id] = memberEntry{m, err == nil}
	}
}

// principal answers Principal from the cache, or returns the stamp to keep
// the database's answer with.
func (c *cache) principal(ctx context.Context, org ID, user string) (access.Grant, error, bool, stamp) {
	if c.usable(ctx) {
		c.mu.RLock()
		var e grantEntry
		var hit bool
		if o := c.orgs[org]; o != nil {
			e, hit = o.principal[user]
		}
		c.mu.RUnlock()
		if hit {
			c.hits.Add(1)
			if !e.ok {
				return access.Grant{}, notMember(org, "user "+user+" is neither a member nor a partner member"), true, stamp{}
			}
			return e.g, nil, true, stamp{}
		}
	}
	c.misses.Add(1)
	return access.Grant{}, nil, false, c.stampOf(org, user)
}

func (c *cache) putPrincipal(org ID, user string, st stamp, g access.Grant, err error) {
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid(org, user, st) {
		return
	}
	c.room()
	c.org(org).principal[user] = grantEntry{g, err == nil}
	u := c.users[user]
	if u == nil {
		u = &userCache{orgs: make(map[ID]struct{})}
		c.users[user] = u
	}
	u.orgs[org] = struct{}{}
}

// key answers KeyByHash from the cache, or returns the count of batches
// applied before the database is read: a key's organisation is known only
// once it is read, so it is kept only if no batch was applied meanwhile.
func (c *cache) key(ctx context.Context, hash [32]byte) (store.Key, bool, uint64) {
	if c.usable(ctx) {
		c.mu.RLock()
		e, hit := c.keys[hash]
		if hit {
			if o := c.orgs[e.k.Org]; o == nil || o.gen != e.gen {
				hit = false
			}
		}
		c.mu.RUnlock()
		if hit {
			c.hits.Add(1)
			return e.k, true, 0
		}
	}
	c.misses.Add(1)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return store.Key{}, false, c.applied
}

// putKey keeps a key read from the database after key returned applied.
func (c *cache) putKey(hash [32]byte, applied uint64, k store.Key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if applied != c.applied {
		return
	}
	c.room()
	c.keys[hash] = keyEntry{k, c.org(k.Org).gen}
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
	c.applied++
	for _, e := range evs {
		if e.Type == store.OrgDeleted {
			seen := make(map[ID]int64, len(c.orgs))
			for id, o := range c.orgs {
				seen[id] = o.seen
			}
			c.reset()
			for id, s := range seen {
				c.org(id).seen = s
			}
		}
		o := c.org(e.Org)
		o.gen++
		o.seen = max(o.seen, e.Seq)
		c.n -= len(o.byUser) + len(o.byID) + len(o.principal)
		clear(o.byUser)
		clear(o.byID)
		clear(o.principal)
		if u := c.users[e.Target.UserID]; e.Target.UserID != "" && u != nil {
			u.gen++
			for id := range u.orgs {
				if oo := c.orgs[id]; oo != nil {
					if _, ok := oo.principal[e.Target.UserID]; ok {
						delete(oo.principal, e.Target.UserID)
						c.n--
					}
				}
			}
			clear(u.orgs)
		}
	}
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

// follow reads the feed from its end on, applies each batch, and marks the
// cache fresh after each read that reached the feed's end, until ctx ends.
func (c *cache) follow(ctx context.Context) {
	poll := max(c.maxStale/4, time.Millisecond)
	var pos int64
	known := false
	for ctx.Err() == nil {
		began := time.Now()
		changed := c.s.bell.Wait()
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
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}
