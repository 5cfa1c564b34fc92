package access

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// CheckText reports whether s may be shown to people and written to an
// audit log as it is: valid UTF-8 without a character of Unicode category
// Cc (the controls: NUL, tab, newline, ESC, DEL, the C1 controls such as
// U+0085) or Cf (the format characters: bidirectional overrides and
// isolates such as U+202E, zero-width spaces and joiners, the byte-order
// mark, the soft hyphen). Such a character hides or reorders what a reader
// sees: "\u202enimda" displays as "admin".
//
// The package checks permission, role and field names, labels and scopes
// with it; other packages may use it for free text (display names, messages).
// The error wraps ErrInvalidText and names the first refused character and
// its byte offset, without repeating s. Valid text is checked without
// allocating. CheckText does not bound the length; "" is valid.
func CheckText(s string) error {
	for i := 0; i < len(s); {
		_, size, err := textRune(s, i)
		if err != nil {
			return err
		}
		i += size
	}
	return nil
}

// textRune decodes the rune at s[i:] and returns the error CheckText gives
// for it, if any.
func textRune(s string, i int) (r rune, size int, err error) {
	if c := s[i]; c < utf8.RuneSelf {
		if c < 0x20 || c == 0x7f {
			return rune(c), 1, fmt.Errorf("%w: %U at byte %d is a control character", ErrInvalidText, c, i)
		}
		return rune(c), 1, nil
	}
	r, size = utf8.DecodeRuneInString(s[i:])
	switch {
	case r == utf8.RuneError && size == 1:
		return r, size, fmt.Errorf("%w: 0x%02x at byte %d is not UTF-8", ErrInvalidText, s[i], i)
	case unicode.Is(unicode.Cc, r):
		return r, size, fmt.Errorf("%w: %U at byte %d is a control character", ErrInvalidText, r, i)
	case unicode.Is(unicode.Cf, r):
		return r, size, fmt.Errorf("%w: %U at byte %d is a format character", ErrInvalidText, r, i)
	}
	return r, size, nil
}
