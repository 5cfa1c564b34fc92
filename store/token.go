package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// A Token is a consistency token: it names changes by their events, each an
// organisation and a Seq. A change made under a context from Capture
// records its token; a read under a context from AtLeast is answered at
// least as fresh as the token's changes, from a store's cache only if the
// cache has seen them and from the database otherwise. So a person who
// just changed something never sees the old answer, on any instance.
//
// Stores without a cache always answer fresh, and ignore AtLeast.
type Token struct {
	marks []Mark // one per organisation, sorted by organisation
}

// A Mark is one organisation's part of a Token: its changes up to Seq.
type Mark struct {
	Org ID
	Seq int64
}

// Marks returns the token's marks, one per organisation.
func (t Token) Marks() []Mark { return slices.Clone(t.marks) }

// IsZero reports whether the token names no change.
func (t Token) IsZero() bool { return len(t.marks) == 0 }

// Add returns the token that covers t and the changes of org up to seq.
func (t Token) Add(org ID, seq int64) Token {
	marks := slices.Clone(t.marks)
	i, found := slices.BinarySearchFunc(marks, org, func(m Mark, id ID) int { return strings.Compare(string(m.Org[:]), string(id[:])) })
	if found {
		marks[i].Seq = max(marks[i].Seq, seq)
	} else {
		marks = slices.Insert(marks, i, Mark{org, seq})
	}
	return Token{marks}
}

// String encodes the token for a header or a cookie: "org.seq" per
// organisation, joined by commas.
func (t Token) String() string {
	parts := make([]string, len(t.marks))
	for i, m := range t.marks {
		parts[i] = m.Org.String() + "." + strconv.FormatInt(m.Seq, 10)
	}
	return strings.Join(parts, ",")
}

// MaxTokenMarks bounds the organisations one token names.
const MaxTokenMarks = 16

// ParseToken decodes a token from String; "" is the zero token. Anything
// else is ErrInvalid.
func ParseToken(s string) (Token, error) {
	var t Token
	if s == "" {
		return t, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxTokenMarks {
		return Token{}, fmt.Errorf("%w: a token names at most %d organisations", ErrInvalid, MaxTokenMarks)
	}
	for _, p := range parts {
		org, seq, ok := strings.Cut(p, ".")
		id, err := uuid.Parse(org)
		n, nerr := strconv.ParseInt(seq, 10, 64)
		if !ok || err != nil || len(org) != 36 || nerr != nil || n < 1 || id == uuid.Nil {
			return Token{}, fmt.Errorf("%w: malformed consistency token", ErrInvalid)
		}
		t = t.Add(id, n)
	}
	return t, nil
}

type captureKey struct{}

type wantKey struct{}

// Capture returns a context under which each change a store commits adds
// its events to the token that *tok points to:
//
//	ctx, tok := store.Capture(ctx)
//	_, err := member.ChangeRole(ctx, db, org, actor, target, "editor")
//	w.Header().Set("Roster-Token", tok.String())
//
// A token may be shared by changes made one after another, not at once.
func Capture(ctx context.Context) (context.Context, *Token) {
	tok := new(Token)
	return context.WithValue(ctx, captureKey{}, tok), tok
}

// Captured returns the token that Capture put in ctx, or nil. Stores call it
// when a unit of work commits.
func Captured(ctx context.Context) *Token {
	t, _ := ctx.Value(captureKey{}).(*Token)
	return t
}

// AtLeast returns a context under which reads are answered at least as
// fresh as tok.
func AtLeast(ctx context.Context, tok Token) context.Context {
	if tok.IsZero() {
		return ctx
	}
	return context.WithValue(ctx, wantKey{}, tok)
}

// Wanted returns the token that AtLeast put in ctx, if any. Stores with a
// cache call it on each cached read.
func Wanted(ctx context.Context) (Token, bool) {
	t, ok := ctx.Value(wantKey{}).(Token)
	return t, ok
}
