package memstore

import (
	"slices"
	"sort"
	"time"
)

// maxBlock is the most values a blockSet keeps in one block.
const maxBlock = 256

// A blockSet is a set of values in the order C gives, kept in blocks of at
// most maxBlock values, so that adding or removing one moves the values of
// one block and the list of blocks, a few hundred words, and never the
// whole set: an organisation's member order, its indexes by role, status and
// kind, and its pending invitations by expiry, whose writes must not cost in
// the organisation's size. Its zero value is empty.
type blockSet[T any, C order[T]] struct {
	blocks [][]T // each sorted, not empty; every value of a block before the next block's
	n      int
}

// An order compares two values as cmp.Compare does.
type order[T any] interface{ cmp(a, b T) int }

// idSet is a set of IDs in order.
type idSet = blockSet[ID, byID]

type byID struct{}

func (byID) cmp(a, b ID) int { return compareID(a, b) }

// An expiry is a pending invitation's place in the order of expiry.
type expiry struct {
	at time.Time
	id ID
}

// byExpiry orders expiries by time, then by ID.
type byExpiry struct{}

func (byExpiry) cmp(a, b expiry) int {
	if c := a.at.Compare(b.at); c != 0 {
		return c
	}
	return compareID(a.id, b.id)
}

// find returns the block that holds v or would, and its place in it.
func (s *blockSet[T, C]) find(v T) (b, i int, found bool) {
	var c C
	b = sort.Search(len(s.blocks), func(k int) bool {
		blk := s.blocks[k]
		return c.cmp(blk[len(blk)-1], v) >= 0
	})
	if b == len(s.blocks) {
		return b, 0, false
	}
	i, found = slices.BinarySearchFunc(s.blocks[b], v, c.cmp)
	return b, i, found
}

// add adds v, if it is not in the set yet.
func (s *blockSet[T, C]) add(v T) {
	if len(s.blocks) == 0 {
		s.blocks, s.n = [][]T{{v}}, 1
		return
	}
	b, i, found := s.find(v)
	if found {
		return
	}
	if b == len(s.blocks) { // after the last value: the end of the last block
		b = len(s.blocks) - 1
		i = len(s.blocks[b])
	}
	blk := slices.Insert(s.blocks[b], i, v)
	if len(blk) > maxBlock {
		half := len(blk) / 2
		right := slices.Clone(blk[half:])
		blk = slices.Clip(blk[:half])
		s.blocks = slices.Insert(s.blocks, b+1, right)
	}
	s.blocks[b] = blk
	s.n++
}

// remove removes v, if it is in the set.
func (s *blockSet[T, C]) remove(v T) {
	b, i, found := s.find(v)
	if !found {
		return
	}
	if blk := slices.Delete(s.blocks[b], i, i+1); len(blk) > 0 {
		s.blocks[b] = blk
	} else {
		s.blocks = slices.Delete(s.blocks, b, b+1)
	}
	s.n--
}

// len returns how many values the set holds.
func (s *blockSet[T, C]) len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// prefix returns how many values, from the first, satisfy in, which holds
// for a first run of the set's order and not after it: a binary search of
// the blocks and of one block, and a sum of the lengths of the blocks before
// it (a few hundred words for a hundred thousand values).
func (s *blockSet[T, C]) prefix(in func(T) bool) int {
	b := sort.Search(len(s.blocks), func(k int) bool {
		blk := s.blocks[k]
		return !in(blk[len(blk)-1])
	})
	n := 0
	for _, blk := range s.blocks[:b] {
		n += len(blk)
	}
	if b < len(s.blocks) {
		blk := s.blocks[b]
		n += sort.Search(len(blk), func(i int) bool { return !in(blk[i]) })
	}
	return n
}

// each calls fn with the values that follow after (every value, unless
// from), in order, until fn returns false.
func (s *blockSet[T, C]) each(after T, from bool, fn func(T) bool) {
	if s == nil {
		return
	}
	b, i := 0, 0
	if from {
		var found bool
		if b, i, found = s.find(after); found {
			i++
		}
	}
	for ; b < len(s.blocks); b, i = b+1, 0 {
		for _, v := range s.blocks[b][i:] {
			if !fn(v) {
				return
			}
		}
	}
}
