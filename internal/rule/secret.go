package rule

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/store"
)

// Secrets (API keys, invitation tokens) are 32 random bytes, written as a
// short kind prefix, an underscore and 43 base64url characters:
//
//	rkey_Q2hlY2sgdGhlIGhhc2gsIG5vdCB0aGUgc2VjcmV0Li4uLi4
//
// Only their SHA-256 hash is stored.

const secretBytes = 32

var b64 = base64.RawURLEncoding

// NewSecret returns a new secret of kind (a short prefix such as "rkey") and
// its hash.
func NewSecret(env *store.Env, kind string) (string, [32]byte, error) {
	var raw [secretBytes]byte
	if err := env.Read(raw[:]); err != nil {
		return "", [32]byte{}, err
	}
	return kind + "_" + b64.EncodeToString(raw[:]), sha256.Sum256(raw[:]), nil
}

// HashSecret returns the hash of a secret of kind. A string that is not such
// a secret is ErrInvalid.
func HashSecret(secret, kind string) ([32]byte, error) {
	body, ok := strings.CutPrefix(secret, kind+"_")
	if !ok || len(body) != b64.EncodedLen(secretBytes) {
		return [32]byte{}, fmt.Errorf("%w: not a %s secret", store.ErrInvalid, kind)
	}
	raw, err := b64.Strict().DecodeString(body)
	if err != nil || len(raw) != secretBytes {
		return [32]byte{}, fmt.Errorf("%w: not a %s secret", store.ErrInvalid, kind)
	}
	return sha256.Sum256(raw), nil
}

// SameHash compares two hashes in constant time.
func SameHash(a, b [32]byte) bool { return subtle.ConstantTimeCompare(a[:], b[:]) == 1 }
