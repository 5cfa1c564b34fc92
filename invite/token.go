package invite

import (
	"fmt"
	"net/url"

	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
	"golang.org/x/crypto/chacha20poly1305"
)

// TokenKind is the prefix of invitation tokens.
const TokenKind = "rinv"

// HashToken returns the hash of an invitation token; a string that is not a
// token is store.ErrInvalid.
func HashToken(token string) ([32]byte, error) { return rule.HashSecret(token, TokenKind) }

// Link builds the magic link for token from the host's base URL, adding the
// token as the query parameter "token":
//
//	Link("https://app.example.com/join", tok) = "https://app.example.com/join?token=rinv_…"
//
// A base URL that does not parse, or is not absolute, is store.ErrInvalid.
func Link(base, token string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "", fmt.Errorf("%w: base URL %q must be absolute", store.ErrInvalid, base)
	}
	q := u.Query()
	q.Set("token", token)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// seal encrypts token with the link key (XChaCha20-Poly1305), bound to the
// invitation's ID; without a key it returns nil.
func seal(env *store.Env, id store.ID, token string) ([]byte, error) {
	if len(env.LinkKey) == 0 {
		return nil, nil
	}
	aead, err := chacha20poly1305.NewX(env.LinkKey)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(token)+aead.Overhead())
	if err := env.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, []byte(token), id[:]), nil
}

// unseal reverses seal.
func unseal(env *store.Env, id store.ID, sealed []byte) (string, error) {
	if len(env.LinkKey) == 0 || len(sealed) == 0 {
		return "", fmt.Errorf("%w: configure Env.LinkKey to keep links, or resend", ErrNoLink)
	}
	aead, err := chacha20poly1305.NewX(env.LinkKey)
	if err != nil {
		return "", err
	}
	if len(sealed) < aead.NonceSize() {
		return "", fmt.Errorf("%w: sealed token is truncated", ErrNoLink)
	}
	token, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], id[:])
	if err != nil {
		return "", fmt.Errorf("%w: the link key does not open the sealed token", ErrNoLink)
	}
	return string(token), nil
}
