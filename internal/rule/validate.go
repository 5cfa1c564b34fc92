package rule

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/store"
	"golang.org/x/net/idna"
)

// Input limits.
const (
	MaxNameLen   = 200 // organisation and display names
	MaxUserIDLen = 200
	MaxEmailLen  = 254
)

// NormalizeEmail validates an e-mail address and returns it trimmed and in
// lower case, the form roster stores and compares. It accepts a plain
// addr-spec (no display name, no comments): an ASCII local part of 1 to 64
// bytes and a domain of dot-separated labels of letters, digits and
// hyphens. A domain in Unicode (an internationalised domain name) is
// converted to its ASCII form, as UTS #46 maps a name to look it up
// (idna.Lookup): "ana@Bücher.example" is "ana@xn--bcher-kva.example". An
// ASCII domain is kept as it is, xn-- labels included. The error wraps
// ErrInvalid.
func NormalizeEmail(email string) (string, error) {
	e := strings.TrimSpace(email)
	if at := strings.LastIndexByte(e, '@'); at >= 0 && !ascii(e[at+1:]) {
		domain, err := idna.Lookup.ToASCII(e[at+1:])
		if err != nil || !ascii(domain) {
			return "", fmt.Errorf("%w: e-mail %q has a domain that is not a valid internationalised domain name", store.ErrInvalid, email)
		}
		e = e[:at+1] + domain
	}
	if !ascii(e) {
		// Checked before lower-casing, which would turn some
		// non-ASCII letters (the Kelvin sign) into ASCII ones.
		return "", fmt.Errorf("%w: e-mail %q has a local part that is not ASCII", store.ErrInvalid, email)
	}
	e = strings.ToLower(e)
	if e == "" || len(e) > MaxEmailLen {
		return "", fmt.Errorf("%w: e-mail %q must be 3 to %d bytes", store.ErrInvalid, email, MaxEmailLen)
	}
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || at > 64 || at == len(e)-1 {
		return "", fmt.Errorf("%w: e-mail %q is not local@domain", store.ErrInvalid, email)
	}
	local, domain := e[:at], e[at+1:]
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),:;<>@[\]`, c) >= 0 {
			return "", fmt.Errorf("%w: e-mail %q has %q in its local part", store.ErrInvalid, email, c)
		}
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", fmt.Errorf("%w: e-mail %q has a misplaced dot", store.ErrInvalid, email)
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("%w: e-mail %q has no dot in its domain", store.ErrInvalid, email)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", fmt.Errorf("%w: e-mail %q has a malformed domain", store.ErrInvalid, email)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return "", fmt.Errorf("%w: e-mail %q has %q in its domain", store.ErrInvalid, email, c)
			}
		}
	}
	return e, nil
}

// ascii reports whether s is ASCII.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// CheckName validates an organisation or display name: at most MaxNameLen
// bytes of UTF-8 without control characters; empty is allowed where optional.
func CheckName(what, name string, required bool) error {
	lo := 0
	if required {
		lo = 1
	}
	return checkText(what, name, lo, MaxNameLen)
}

// CheckUserID validates the host's user identifier: 1 to MaxUserIDLen bytes
// without control characters.
// Surrounding spaces are refused: some databases compare "ada " and
// "ada" as equal, and no store may confuse two users.
func CheckUserID(user string) error {
	if strings.TrimSpace(user) != user {
		return fmt.Errorf("%w: user ID %q has surrounding spaces", store.ErrInvalid, user)
	}
	return checkText("user ID", user, 1, MaxUserIDLen)
}

// CheckID refuses the nil ID.
func CheckID(what string, id store.ID) error {
	if id == uuid.Nil {
		return fmt.Errorf("%w: %s is the nil ID", store.ErrInvalid, what)
	}
	return nil
}

// EncodeCursor returns the opaque page cursor that follows id.
func EncodeCursor(id store.ID) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// ParseCursor decodes a cursor from EncodeCursor; "" is the first page. A
// malformed cursor wraps ErrInvalid.
func ParseCursor(c string) (store.ID, error) {
	if c == "" {
		return uuid.Nil, nil
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil || len(b) != 16 {
		return uuid.Nil, fmt.Errorf("%w: malformed cursor %q", store.ErrInvalid, c)
	}
	return store.ID(b), nil
}

// EncodeNameCursor returns the opaque page cursor that follows the
// record named name (a custom role): lists ordered by name page with it.
func EncodeNameCursor(name string) string { return base64.RawURLEncoding.EncodeToString([]byte(name)) }

// ParseNameCursor decodes a cursor from EncodeNameCursor; "" is the first
// page. A malformed cursor, or one that does not hold a valid name, wraps
// ErrInvalid.
func ParseNameCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil || access.ValidName(string(b)) != nil {
		return "", fmt.Errorf("%w: malformed cursor %q", store.ErrInvalid, c)
	}
	return string(b), nil
}

// All reads every page of a list, one call of list per page, and returns
// the items in order: for the rules that need a whole list, which the
// limits on what an organisation holds keep small.
func All[T any](list func(p store.Page) ([]T, string, error)) ([]T, error) {
	var out []T
	p := store.Page{Limit: store.MaxPageSize}
	for {
		items, next, err := list(p)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		p.After = next
	}
}

// checkText validates a free-text value: between lo and hi bytes of valid
// UTF-8 without control or format characters (access.CheckText).
func checkText(what, s string, lo, hi int) error {
	if len(s) < lo || len(s) > hi {
		if lo > 0 && s == "" {
			return fmt.Errorf("%w: %s is empty", store.ErrInvalid, what)
		}
		return fmt.Errorf("%w: %s must be %d to %d bytes, not %d", store.ErrInvalid, what, lo, hi, len(s))
	}
	if err := access.CheckText(s); err != nil {
		return fmt.Errorf("%w: %s: %w", store.ErrInvalid, what, err)
	}
	return nil
}

// CheckFilter validates a member filter as the stores read it: a role name
// the policy could hold (access.ValidName), a status and a kind that exist.
func CheckFilter(f store.Filter) error {
	if f.Role != "" {
		if err := access.ValidName(f.Role); err != nil {
			return fmt.Errorf("%w: role filter: %w", store.ErrInvalid, err)
		}
	}
	if f.Status > store.Inactive || f.Kind > store.External {
		return fmt.Errorf("%w: filter status %v or kind %v", store.ErrInvalid, f.Status, f.Kind)
	}
	return nil
}

// CheckRoleName validates a role name given as input, before a store looks
// it up: a name of the policy's form, so that no database that pads or
// folds strings can match it to another role.
func CheckRoleName(name string) error {
	if err := access.ValidName(name); err != nil {
		return fmt.Errorf("%w: role %q: %w", store.ErrInvalid, name, err)
	}
	return nil
}

// CheckNormalEmail refuses, with ErrInvalid, an e-mail that is not in the
// form NormalizeEmail gives: the form the stores keep and look up.
func CheckNormalEmail(email string) error {
	n, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	if n != email {
		return fmt.Errorf("%w: e-mail %q is not normalised (%q)", store.ErrInvalid, email, n)
	}
	return nil
}
