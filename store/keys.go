package store

import "time"

// A Key is an API key bound to a member. Only its SHA-256 hash is kept; the
// secret is shown once, when the key is issued.
type Key struct {
	ID      ID
	Org     ID
	Member  ID
	Name    string
	Prefix  string // the secret's first characters, to recognise it in a list
	Hash    [32]byte
	Created time.Time
}
