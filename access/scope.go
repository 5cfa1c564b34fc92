package access

import (
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"
)

// MaxScopes bounds how many scopes one member or partnership may carry, and
// MaxScopeLen the length of one scope.
const (
	MaxScopes   = 256
	MaxScopeLen = 128
)

// Scopes limits where a member's permissions apply: the sites, markets or sets
// it may act in. A scope is a string "dimension:value" ("site:eu",
// "market:de", "set:summer-24"); a scope without a colon belongs to the
// unnamed dimension.
//
// The restriction is per dimension: a member limited to {market:de,
// market:fr} may act in market de or fr and in every set, because it carries
// no "set:" scope. The zero Scopes restricts nothing.
//
// Scopes is an immutable value, one pointer wide: it can be copied and
// shared freely, and nothing a caller does to a value it holds changes
// another. Compare two with Equal, not ==.
type Scopes struct {
	d *scopeData // nil restricts nothing
}

type scopeData struct {
	s     []string // sorted, unique, never mutated after construction
	dims  []uint8  // dims[i]: length of s[i]'s "dim:" prefix, 0 for none
	plain bool     // some scope has no colon (the unnamed dimension)
}

func (s Scopes) list() []string {
	if s.d == nil {
		return nil
	}
	return s.d.s
}

// NewScopes validates and normalises scopes: each must be 1 to MaxScopeLen
// bytes of UTF-8 text without spaces, commas, U+FFFD, or the control and
// format characters that CheckText refuses; duplicates collapse. An invalid
// scope is an error wrapping ErrInvalidScope (and ErrInvalidText for a
// character CheckText refuses) that names the character and its byte offset.
func NewScopes(scopes ...string) (Scopes, error) {
	if len(scopes) == 0 {
		return Scopes{}, nil
	}
	if len(scopes) > MaxScopes {
		return Scopes{}, fmt.Errorf("%w: %d scopes, at most %d", ErrInvalidScope, len(scopes), MaxScopes)
	}
	for _, sc := range scopes {
		if err := checkScope(sc); err != nil {
			return Scopes{}, err
		}
	}
	s := slices.Clone(scopes)
	slices.Sort(s)
	d := &scopeData{s: slices.Compact(s)}
	d.dims = make([]uint8, len(d.s))
	for i, sc := range d.s {
		d.dims[i] = uint8(len(dimension(sc)))
		if d.dims[i] == 0 {
			d.plain = true
		}
	}
	return Scopes{d: d}, nil
}

// MustScopes is NewScopes for literals known to be valid; it panics otherwise.
func MustScopes(scopes ...string) Scopes {
	s, err := NewScopes(scopes...)
	if err != nil {
		panic(err)
	}
	return s
}

func checkScope(sc string) error {
	if sc == "" || len(sc) > MaxScopeLen {
		return fmt.Errorf("%w: %q must be 1 to %d bytes", ErrInvalidScope, sc, MaxScopeLen)
	}
	if err := CheckText(sc); err != nil {
		return fmt.Errorf("%w: %q: %w", ErrInvalidScope, sc, err)
	}
	for i, r := range sc {
		if r == ' ' || r == ',' || r == 0xfffd {
			return fmt.Errorf("%w: %q holds %q (%U) at byte %d; a scope holds no space, comma or U+FFFD", ErrInvalidScope, sc, r, r, i)
		}
	}
	return nil
}

// IsZero reports whether s restricts nothing.
func (s Scopes) IsZero() bool { return len(s.list()) == 0 }

// Len returns the number of scopes.
func (s Scopes) Len() int { return len(s.list()) }

// All yields the scopes in sorted order.
func (s Scopes) All() iter.Seq[string] { return slices.Values(s.list()) }

// Strings returns a new slice of the scopes in sorted order (nil for none).
func (s Scopes) Strings() []string { return slices.Clone(s.list()) }

// Equal reports whether s and o hold the same scopes.
func (s Scopes) Equal(o Scopes) bool { return slices.Equal(s.list(), o.list()) }

// SubsetOf reports whether s restricts at least as much as o: everything s
// allows, o allows too. Zero o allows everything; zero s is a subset only of
// zero o.
func (s Scopes) SubsetOf(o Scopes) bool {
	if o.IsZero() {
		return true
	}
	if s.IsZero() {
		return false
	}
	// Every dimension o restricts must be restricted by s, within o's values.
	for _, sc := range o.d.s {
		if !s.d.restricts(dimension(sc)) {
			return false
		}
	}
	for _, sc := range s.d.s {
		if !o.Allows(sc) {
			return false
		}
	}
	return true
}

func (d *scopeData) restricts(dim string) bool {
	if dim == "" {
		return d.plain
	}
	i, _ := slices.BinarySearch(d.s, dim)
	return i < len(d.s) && strings.HasPrefix(d.s[i], dim)
}

// Allows reports whether an action in scope is within s: s restricts
// nothing, or lists scope, or restricts other dimensions only. It costs at
// most two binary searches over s and does not allocate.
func (s Scopes) Allows(scope string) bool {
	d := s.d
	if d == nil || len(d.s) == 0 {
		return true
	}
	if len(d.s) <= 8 {
		// A short list is faster to scan than to search.
		dim := dimension(scope)
		restricted := false
		for i, sc := range d.s {
			if sc == scope {
				return true
			}
			restricted = restricted || int(d.dims[i]) == len(dim) && sc[:len(dim)] == dim
		}
		return !restricted
	}
	if _, found := slices.BinarySearch(d.s, scope); found {
		return true
	}
	return !d.restricts(dimension(scope))
}

// dimension returns "dim:" for "dim:value", and "" for a scope without colon.
func dimension(scope string) string {
	if i := strings.IndexByte(scope, ':'); i >= 0 {
		return scope[:i+1]
	}
	return ""
}

// MarshalJSON writes s as a JSON array of strings ([] for none).
func (s Scopes) MarshalJSON() ([]byte, error) {
	if s.IsZero() {
		return []byte("[]"), nil
	}
	return json.Marshal(s.d.s)
}

// UnmarshalJSON reads a JSON array of strings, validated as by NewScopes.
func (s *Scopes) UnmarshalJSON(b []byte) error {
	var raw []string
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidScope, err)
	}
	v, err := NewScopes(raw...)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// String formats s as "[a b c]", or "all" when s restricts nothing.
func (s Scopes) String() string {
	if s.IsZero() {
		return "all"
	}
	return "[" + strings.Join(s.d.s, " ") + "]"
}
