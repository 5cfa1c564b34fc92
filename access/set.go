package access

import (
	"iter"
	"math/bits"
	"strconv"
	"strings"
)

// MaxPermissions is the number of distinct permissions a Policy can declare.
const MaxPermissions = 256

// A Permission is one thing a member may be allowed to do. The host declares
// its permissions as constants with iota, in the order it lists their names in
// its Policy:
//
//	const (
//		ViewProducts access.Permission = iota
//		EditProducts
//	)
//
// Permission values index a Set; the Policy gives each a stable name
// ("products.view") that configuration, JSON and databases use instead.
type Permission uint8

// String returns "perm(N)". Use Policy.Name for the permission's name.
func (p Permission) String() string { return "perm(" + strconv.Itoa(int(p)) + ")" }

// A Set is a set of permissions: a fixed-size bitset and a plain value.
// The zero Set is empty; two Sets are equal exactly when == says so.
// No method allocates.
type Set [MaxPermissions / 64]uint64

// SetOf returns the set holding exactly ps.
func SetOf(ps ...Permission) Set {
	var s Set
	for _, p := range ps {
		s[p>>6] |= 1 << (p & 63)
	}
	return s
}

// FirstN returns the set {0, 1, …, n-1}; n is clamped to [0, MaxPermissions].
func FirstN(n int) Set {
	var s Set
	for i := range s {
		switch lo := i * 64; {
		case n >= lo+64:
			s[i] = ^uint64(0)
		case n > lo:
			s[i] = 1<<uint(n-lo) - 1
		}
	}
	return s
}

// Has reports whether p is in s: one shift and one AND.
func (s Set) Has(p Permission) bool { return s[p>>6]&(1<<(p&63)) != 0 }

// With returns s with ps added.
func (s Set) With(ps ...Permission) Set {
	for _, p := range ps {
		s[p>>6] |= 1 << (p & 63)
	}
	return s
}

// Without returns s with ps removed.
func (s Set) Without(ps ...Permission) Set {
	for _, p := range ps {
		s[p>>6] &^= 1 << (p & 63)
	}
	return s
}

// Union returns the permissions in s or in o.
func (s Set) Union(o Set) Set {
	return Set{s[0] | o[0], s[1] | o[1], s[2] | o[2], s[3] | o[3]}
}

// Intersect returns the permissions in both s and o.
func (s Set) Intersect(o Set) Set {
	return Set{s[0] & o[0], s[1] & o[1], s[2] & o[2], s[3] & o[3]}
}

// Difference returns the permissions in s and not in o.
func (s Set) Difference(o Set) Set {
	return Set{s[0] &^ o[0], s[1] &^ o[1], s[2] &^ o[2], s[3] &^ o[3]}
}

// SubsetOf reports whether every permission in s is also in o.
func (s Set) SubsetOf(o Set) bool {
	return s[0]&^o[0]|s[1]&^o[1]|s[2]&^o[2]|s[3]&^o[3] == 0
}

// Overlaps reports whether some permission is in both s and o: a Set given
// as both allowed and withdrawn contradicts itself, and a caller that
// refuses the contradiction asks this. It is !s.Intersect(o).IsEmpty().
func (s Set) Overlaps(o Set) bool {
	return s[0]&o[0]|s[1]&o[1]|s[2]&o[2]|s[3]&o[3] != 0
}

// IsEmpty reports whether s holds no permission.
func (s Set) IsEmpty() bool { return s[0]|s[1]|s[2]|s[3] == 0 }

// Len returns the number of permissions in s.
func (s Set) Len() int {
	return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1]) +
		bits.OnesCount64(s[2]) + bits.OnesCount64(s[3])
}

// All yields the permissions in s in ascending order.
func (s Set) All() iter.Seq[Permission] {
	return func(yield func(Permission) bool) {
		for i, w := range s {
			for w != 0 {
				b := bits.TrailingZeros64(w)
				if !yield(Permission(i*64 + b)) {
					return
				}
				w &= w - 1
			}
		}
	}
}

// String formats s as "{0, 3, 17}". Use Policy.Names for permission names.
func (s Set) String() string {
	var b strings.Builder
	b.WriteByte('{')
	first := true
	for p := range s.All() {
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(strconv.Itoa(int(p)))
	}
	b.WriteByte('}')
	return b.String()
}
