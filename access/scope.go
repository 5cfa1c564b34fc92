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
// Scopes is an immutable value: it can be copied and shared freely, and
// nothing a caller does to a value it holds changes another.
type Scopes struct {
	s     []string // sorted, unique, never mutated after construction
	dims  []uint8  // dims[i]: length of s[i]'s "dim:" prefix, 0 for none
	plain bool     // some scope has no colon (the unnamed dimension)
}

// NewScopes validates and normalises scopes: each must be 1 to MaxScopeLen
// bytes of printable, non-space characters; duplicates collapse. An invalid
// scope is an error wrapping ErrInvalidScope.
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
	out := Scopes{s: slices.Compact(s)}
	out.dims = make([]uint8, len(out.s))
	for i, sc := range out.s {
		out.dims[i] = uint8(len(dimension(sc)))
		if out.dims[i] == 0 {
			out.plain = true
		}
	}
	return out, nil
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
	for _, r := range sc {
		if r <= ' ' || r == 0x7f || r == ',' || r == 0xfffd {
			return fmt.Errorf("%w: %q holds a space, comma or control character", ErrInvalidScope, sc)
		}
	}
	return nil
}

// IsZero reports whether s restricts nothing.
func (s Scopes) IsZero() bool { return len(s.s) == 0 }

// Len returns the number of scopes.
func (s Scopes) Len() int { return len(s.s) }

// All yields the scopes in sorted order.
func (s Scopes) All() iter.Seq[string] { return slices.Values(s.s) }

// Strings returns a new slice of the scopes in sorted order (nil for none).
func (s Scopes) Strings() []string { return slices.Clone(s.s) }

// Equal reports whether s and o hold the same scopes.
func (s Scopes) Equal(o Scopes) bool { return slices.Equal(s.s, o.s) }

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
	for _, sc := range o.s {
		if !s.restricts(dimension(sc)) {
			return false
		}
	}
	for _, sc := range s.s {
		if !o.Allows(sc) {
			return false
		}
	}
	return true
}

func (s Scopes) restricts(dim string) bool {
	if dim == "" {
		return s.plain
	}
	i, _ := slices.BinarySearch(s.s, dim)
	return i < len(s.s) && strings.HasPrefix(s.s[i], dim)
}

// Allows reports whether an action in scope is within s: s restricts
// nothing, or lists scope, or restricts other dimensions only. It costs at
// most two binary searches over s and does not allocate.
func (s Scopes) Allows(scope string) bool {
	if len(s.s) == 0 {
		return true
	}
	if len(s.s) <= 8 {
		// A short list is faster to scan than to search.
		dim := dimension(scope)
		restricted := false
		for i, sc := range s.s {
			if sc == scope {
				return true
			}
			restricted = restricted || int(s.dims[i]) == len(dim) && sc[:len(dim)] == dim
		}
		return !restricted
	}
	if _, found := slices.BinarySearch(s.s, scope); found {
		return true
	}
	return !s.restricts(dimension(scope))
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
	if s.s == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(s.s)
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
	if len(s.s) == 0 {
		return "all"
	}
	return "[" + strings.Join(s.s, " ") + "]"
}
