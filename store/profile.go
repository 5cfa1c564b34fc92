package store

import (
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"

	"github.com/rosterhq/roster/access"
)

// Profile limits.
const (
	MaxProfileFields = 32
	MaxFieldValueLen = 1024
)

// A Profile is a member's small set of host-defined fields ("commission_pct":
// "12.5"). Which fields a member may carry is the policy's to say (see
// access.Spec.Fields). A Profile is an immutable value, safe to share.
type Profile struct {
	kv []field // sorted by key
}

type field struct{ k, v string }

// NewProfile validates fields: keys are names (access.ValidName), values at
// most MaxFieldValueLen bytes of UTF-8 without control characters, and at most
// MaxProfileFields of them. An empty value removes nothing and is kept.
func NewProfile(fields map[string]string) (Profile, error) {
	if len(fields) > MaxProfileFields {
		return Profile{}, fmt.Errorf("%w: %d profile fields, at most %d", ErrInvalid, len(fields), MaxProfileFields)
	}
	var p Profile
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		v := fields[k]
		if err := access.ValidName(k); err != nil {
			return Profile{}, fmt.Errorf("%w: profile field: %w", ErrInvalid, err)
		}
		if len(v) > MaxFieldValueLen {
			return Profile{}, fmt.Errorf("%w: profile value of %q is %d bytes, at most %d", ErrInvalid, k, len(v), MaxFieldValueLen)
		}
		if err := access.CheckText(v); err != nil {
			return Profile{}, fmt.Errorf("%w: profile value of %q: %w", ErrInvalid, k, err)
		}
		p.kv = append(p.kv, field{k, v})
	}
	return p, nil
}

// Get returns the value of field k.
func (p Profile) Get(k string) (string, bool) {
	i, ok := slices.BinarySearchFunc(p.kv, k, func(f field, k string) int { return cmpString(f.k, k) })
	if !ok {
		return "", false
	}
	return p.kv[i].v, true
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Len returns the number of fields.
func (p Profile) Len() int { return len(p.kv) }

// All yields the fields in key order.
func (p Profile) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, f := range p.kv {
			if !yield(f.k, f.v) {
				return
			}
		}
	}
}

// Map returns the fields as a new map (nil when there are none).
func (p Profile) Map() map[string]string {
	if len(p.kv) == 0 {
		return nil
	}
	m := make(map[string]string, len(p.kv))
	for _, f := range p.kv {
		m[f.k] = f.v
	}
	return m
}

// Keep returns the fields of p for which keep answers true.
func (p Profile) Keep(keep func(key string) bool) Profile {
	var out Profile
	for _, f := range p.kv {
		if keep(f.k) {
			out.kv = append(out.kv, f)
		}
	}
	return out
}

// Equal reports whether p and o hold the same fields.
func (p Profile) Equal(o Profile) bool { return slices.Equal(p.kv, o.kv) }

// MarshalJSON writes the fields as a JSON object.
func (p Profile) MarshalJSON() ([]byte, error) {
	if len(p.kv) == 0 {
		return []byte("{}"), nil
	}
	return json.Marshal(p.Map())
}

// UnmarshalJSON reads a JSON object, validated as by NewProfile.
func (p *Profile) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%w: profile: %v", ErrInvalid, err)
	}
	v, err := NewProfile(m)
	if err != nil {
		return err
	}
	*p = v
	return nil
}
