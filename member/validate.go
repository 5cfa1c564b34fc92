package member

import "github.com/rosterhq/roster/internal/rule"

// Input limits.
const (
	MaxNameLen   = rule.MaxNameLen // organisation and display names
	MaxUserIDLen = rule.MaxUserIDLen
	MaxEmailLen  = rule.MaxEmailLen
)

// NormalizeEmail validates an e-mail address and returns it trimmed and in
// lower case, the form roster stores and compares. It accepts a plain ASCII
// addr-spec (no display name, no comments): a local part of 1 to 64 bytes
// and a domain of dot-separated labels of letters, digits and hyphens
// (internationalised domains in their xn-- form). The error wraps
// store.ErrInvalid.
func NormalizeEmail(email string) (string, error) { return rule.NormalizeEmail(email) }
