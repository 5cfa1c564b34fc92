package memstore

import (
	"slices"
	"sort"
)

// maxBlock is the most IDs an idSet keeps in one block.
const maxBlock = 256

// idSet is a set of IDs in order, kept in blocks of at most maxBlock IDs,
// so that adding or removing one moves the IDs of one block and the list of
// blocks, a few hundred words, and never the whole set: an organisation's
// member order and its indexes by role, status and kind, whose writes must
// not cost in the organisation's size.
type idSet struct {
	blocks [][]ID // each sorted, not empty; every ID of a block before the next block's
	n      int
}

// find returns the block that holds id or would, and its place in it.
func (s *idSet) find(id ID) (b, i int, found bool) {
	b = sort.Search(len(s.blocks), func(k int) bool {
		blk := s.blocks[k]
		return compareID(blk[len(blk)-1], id) >= 0
	})
	if b == len(s.blocks) {
		return b, 0, false
	}
	i, found = slices.BinarySearchFunc(s.blocks[b], id, compareID)
	return b, i, found
}

// add adds id, if it is not in the set yet.
func (s *idSet) add(id ID) {
	if len(s.blocks) == 0 {
		s.blocks, s.n = [][]ID{{id}}, 1
		return
	}
	b, i, found := s.find(id)
	if found {
		return
	}
	if b == len(s.blocks) { // after the last ID: the end of the last block
		b = len(s.blocks) - 1
		i = len(s.blocks[b])
	}
	blk := slices.Insert(s.blocks[b], i, id)
	if len(blk) > maxBlock {
		half := len(blk) / 2
		right := slices.Clone(blk[half:])
		blk = slices.Clip(blk[:half])
		s.blocks = slices.Insert(s.blocks, b+1, right)
	}
	s.blocks[b] = blk
	s.n++
}

// remove removes id, if it is in the set.
func (s *idSet) remove(id ID) {
	b, i, found := s.find(id)
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

// len returns how many IDs the set holds.
func (s *idSet) len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// each calls fn with the IDs that follow after (every ID, unless from), in
// order, until fn returns false.
func (s *idSet) each(after ID, from bool, fn func(ID) bool) {
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
		for _, id := range s.blocks[b][i:] {
			if !fn(id) {
				return
			}
		}
	}
}
