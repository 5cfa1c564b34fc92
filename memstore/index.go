package memstore

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/store"
)

// userIndex is the request path: the committed members by (organisation,
// user), for MemberByUser and Principal.
//
// It maps a 64-bit hash of the pair, under a random seed, to an entry that
// holds the pair itself (a user ID of up to maxShort bytes inline), the
// member's resolved grant and a copy of its record: a lookup hashes the user
// ID once, probes a map of integers (the runtime's fastest) and reads one
// allocation. At a million members each memory access saved is a cache and
// TLB miss saved: the entry's first cache line answers Principal, and the
// record beside it MemberByUser, where pointing at the organisation's copy
// would cost another page.
//
// Pairs whose hashes collide (about one chance in 10⁷ at a million members)
// share a chain. The index is split in shards by hash, each with its own
// lock on its own cache lines, so that request handlers on many cores do
// not all write the reader count of one lock.
type userIndex struct {
	shards [1 << shardBits]indexShard // first: 64-byte aligned in a large allocation
	seed   maphash.Seed
}

const (
	shardBits = 6
	maxShort  = 47
	long      = 0xff // indexed.n of a user ID longer than maxShort
)

type indexShard struct {
	mu sync.RWMutex
	m  map[uint64]*indexed
	_  [64 - 32]byte
}

// indexed is one committed member. Nothing in it changes once it is in the
// index but next, which readers follow only under the shard's lock, so
// readers copy from it after unlocking. The record's maps and slices are
// shared with the organisation's copy, which is never written either.
//
// The grant and the organisation share the first cache line, the user ID
// the second, then comes the record.
type indexed struct {
	grant access.Grant
	org   ID
	n     uint8 // len(user) if at most maxShort, else long and user is m.UserID
	short [maxShort]byte
	next  *indexed // the next pair with the same hash
	// gone is the organisation's tombstone: set once its deletion
	// commits, when its entries stay until Purge removes them.
	gone *atomic.Bool
	m    store.Member
}

func newUserIndex() *userIndex {
	x := &userIndex{seed: maphash.MakeSeed()}
	for i := range x.shards {
		x.shards[i].m = make(map[uint64]*indexed)
	}
	return x
}

// hash is the user ID's seeded hash, mixed with the organisation's ID.
func (x *userIndex) hash(org ID, user string) uint64 {
	h := maphash.String(x.seed, user)
	hi, lo := bits.Mul64(h^binary.LittleEndian.Uint64(org[:8]), 0x9e3779b97f4a7c15^binary.LittleEndian.Uint64(org[8:]))
	return hi ^ lo
}

func (x *userIndex) shard(h uint64) *indexShard { return &x.shards[shardOf(h)] }

// shardOf is the shard of the pair whose hash is h.
func shardOf(h uint64) int { return int(h >> (64 - shardBits)) }

func (e *indexed) is(org ID, user string) bool {
	if e.org != org {
		return false
	}
	if len(user) <= maxShort {
		return int(e.n) == len(user) && string(e.short[:e.n]) == user
	}
	return e.n == long && e.m.UserID == user
}

// get returns the member of org whose user ID is user, or nil (also once
// org's deletion committed).
func (x *userIndex) get(org ID, user string) *indexed {
	h := x.hash(org, user)
	sh := x.shard(h)
	sh.mu.RLock()
	e := sh.find(h, org, user)
	sh.mu.RUnlock()
	if e != nil && e.gone.Load() {
		return nil
	}
	return e
}

// find returns the entry of the pair whose hash is h, or nil; the shard's
// lock must be held.
func (sh *indexShard) find(h uint64, org ID, user string) *indexed {
	e := sh.m[h]
	for e != nil && !e.is(org, user) {
		e = e.next
	}
	return e
}

// apply brings the entries of org's users in line with members (a user
// absent from it is forgotten). The shards concerned are all locked at once,
// in order, so that a commit is seen whole: once a lookup has found the new
// owner of a transfer, no later lookup finds the old owner still owner.
func (x *userIndex) apply(org ID, gone *atomic.Bool, users map[string]bool, members map[string]*store.Member) {
	type pair struct {
		user string
		h    uint64
	}
	pairs := make([]pair, 0, len(users))
	var locked [len(x.shards)]bool
	for u := range users {
		h := x.hash(org, u)
		pairs, locked[shardOf(h)] = append(pairs, pair{u, h}), true
	}
	for i, l := range locked {
		if l {
			x.shards[i].mu.Lock()
		}
	}
	for _, p := range pairs {
		x.shard(p.h).put(p.h, org, gone, p.user, members[p.user])
	}
	for i, l := range locked {
		if l {
			x.shards[i].mu.Unlock()
		}
	}
}

// put makes m the member of org whose user ID is user, or forgets that
// member if m is nil; the shard's lock must be held. A changed member gets
// a new entry: readers may still be copying from the old one.
func (sh *indexShard) put(h uint64, org ID, gone *atomic.Bool, user string, m *store.Member) {
	var e *indexed
	if m != nil {
		e = &indexed{grant: m.Grant(), org: org, n: long, gone: gone, m: *m}
		if len(user) <= maxShort {
			e.n = uint8(copy(e.short[:], user))
		}
	}
	// Walk the chain from a stand-in head; unlink the pair's entry, if
	// any, and link e in its place, or last.
	head := &indexed{next: sh.m[h]}
	p := head
	for p.next != nil && !p.next.is(org, user) {
		p = p.next
	}
	if p.next != nil {
		p.next = p.next.next
	}
	if e != nil {
		e.next = p.next
		p.next = e
	}
	if head.next == nil {
		delete(sh.m, h)
	} else {
		sh.m[h] = head.next
	}
}
