package member

import "github.com/rosterhq/roster/internal/rule"

// Input limits.
const (
	MaxNameLen   = rule.MaxNameLen // organisation and display names
	MaxUserIDLen = rule.MaxUserIDLen
	MaxEmailLen  = rule.MaxEmailLen
)

// NormalizeEmail validates an e-mail address and returns it trimmed and in
// lower case, the form roster stores and compares. It accepts a plain
// addr-spec (no display name, no comments): an ASCII local part of 1 to 64
// bytes and a domain of dot-separated labels of letters, digits and
// hyphens. A domain in Unicode (an internationalised domain name) is
// converted to its ASCII form, as UTS #46 maps a name to look it up:
// "ana@Bücher.example" is "ana@xn--bcher-kva.example". An ASCII domain is
// kept as it is, xn-- labels included. The error wraps store.ErrInvalid.
func NormalizeEmail(email string) (string, error) { return rule.NormalizeEmail(email) }
