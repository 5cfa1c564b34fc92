package memstore

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestIDSet drives an idSet against a sorted slice with enough IDs to split
// and empty its blocks: the same IDs in the same order after every add and
// remove, the same length, the same count before any pivot (prefix), and
// the same IDs after any cursor.
func TestIDSet(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var s idSet
		var model []ID
		id := func(label string) ID {
			return ID{byte(rapid.IntRange(0, 3).Draw(t, label)), byte(rapid.IntRange(0, 255).Draw(t, label+"2"))}
		}
		for range rapid.IntRange(1, 3*maxBlock).Draw(t, "steps") {
			x := id("id")
			i, found := slices.BinarySearchFunc(model, x, compareID)
			if rapid.IntRange(0, 3).Draw(t, "op") > 0 { // adds outnumber removes, so that blocks split
				s.add(x)
				if !found {
					model = slices.Insert(model, i, x)
				}
			} else {
				s.remove(x)
				if found {
					model = slices.Delete(model, i, i+1)
				}
			}
		}
		if s.len() != len(model) {
			t.Fatalf("len %d, want %d", s.len(), len(model))
		}
		for _, blk := range s.blocks {
			if len(blk) == 0 || len(blk) > maxBlock {
				t.Fatalf("a block of %d IDs", len(blk))
			}
		}
		var all []ID
		s.each(ID{}, false, func(x ID) bool { all = append(all, x); return true })
		if !slices.Equal(all, model) {
			t.Fatalf("set %v, want %v", all, model)
		}
		// prefix: how many come before a pivot, as the model counts.
		pivot := id("pivot")
		before := 0
		for _, x := range model {
			if compareID(x, pivot) < 0 {
				before++
			}
		}
		if got := s.prefix(func(x ID) bool { return compareID(x, pivot) < 0 }); got != before {
			t.Fatalf("prefix before %v: %d, want %d", pivot, got, before)
		}
		after := id("after")
		var got []ID
		limit := rapid.IntRange(1, 10).Draw(t, "limit")
		s.each(after, true, func(x ID) bool { got = append(got, x); return len(got) < limit })
		var want []ID
		for _, x := range model {
			if compareID(x, after) > 0 && len(want) < limit {
				want = append(want, x)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("after %v: %v, want %v", after, got, want)
		}
	})
}
