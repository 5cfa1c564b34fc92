package member

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// Erased is what Erase did: the pseudonym that now stands for the user,
// and the organisations whose records it rewrote.
type Erased struct {
	Pseudonym string
	Orgs      []store.ID
}

// Pseudonym returns the pseudonym that Erase leaves in place of user in a
// store with environment env: "erased-" and 20 hexadecimal digits of the
// HMAC-SHA-256 of the user's ID under env.EraseKey (of its SHA-256 without
// one), the same for the user in every organisation and on every run.
func Pseudonym(env *store.Env, user string) string {
	var sum []byte
	if len(env.EraseKey) > 0 {
		m := hmac.New(sha256.New, env.EraseKey)
		m.Write([]byte(user))
		sum = m.Sum(nil)
	} else {
		s := sha256.Sum256([]byte("roster.erase\x00" + user))
		sum = s[:]
	}
	return "erased-" + hex.EncodeToString(sum[:10])
}

// Erase erases the personal data that the store keeps of user, who must be
// a member of no organisation any more (Deprovision first; otherwise an
// *OrgsError wrapping ErrInUse lists the organisations): its user ID, its
// e-mails and its display names, in the audit events of every organisation
// (the feed's too: they are the same events), in invitations (a pending
// one to its e-mail is cancelled), access requests (with their message)
// and access-code attempts, are replaced by one pseudonym (Pseudonym), so
// that the log still tells what the same person did, and nothing personal
// remains. Only under AsSystem (store.ErrInvalid otherwise).
//
// It finds the user's e-mails and names in the events that name its user
// ID, and the organisations in the events that name the user or one of its
// e-mails: it reads the whole feed, twice, for a rare operation. Each
// organisation is rewritten in its own unit of work, which writes
// UserErased; a failure in one is a *PartialError, and a second call
// finishes. Not reached: what pruned events said (gone already), and the
// audit logs of deleted organisations, whose units of work are refused
// (store.ErrNotFound).
func Erase(ctx context.Context, s store.Store, user string) (Erased, error) {
	ms, err := memberships(ctx, s, user, "erasing a user")
	if err != nil {
		return Erased{}, err
	}
	if len(ms) > 0 {
		orgs := make([]store.ID, len(ms))
		for i, m := range ms {
			orgs[i] = m.Org
		}
		return Erased{}, &OrgsError{Orgs: orgs, Err: fmt.Errorf("%w: user %q is still a member: deprovision it first", ErrInUse, user)}
	}
	er := NewErasure(s.Env(), user)
	if err := readFeed(ctx, s, func(e *store.Event) { er.Learn(e) }); err != nil {
		return Erased{}, err
	}
	var orgs []store.ID
	seen := map[store.ID]bool{}
	if err := readFeed(ctx, s, func(e *store.Event) {
		if !seen[e.Org] && er.Event(e) {
			seen[e.Org] = true
			orgs = append(orgs, e.Org)
		}
	}); err != nil {
		return Erased{}, err
	}
	done, err := eachOrg(ctx, s, orgs, func(tx store.Tx, _ store.ID) error {
		_, err := EraseTx(ctx, tx, er)
		return err
	})
	return Erased{Pseudonym: er.Pseudonym, Orgs: done}, err
}

// NewErasure returns the erasure of user in a store with environment env,
// which knows only the user's ID and pseudonym so far: Erasure.Learn adds
// the e-mails and names that events show.
func NewErasure(env *store.Env, user string) *store.Erasure {
	p := Pseudonym(env, user)
	return &store.Erasure{UserID: user, Emails: map[string]bool{}, Names: map[string]bool{}, Pseudonym: p, Email: p + "@erased.invalid"}
}

// EraseTx is Erase in one organisation's unit of work, with the erasure
// that Erase learnt (NewErasure, Erasure.Learn). It writes UserErased if it
// changed anything, and returns how many records it changed.
func EraseTx(ctx context.Context, tx store.Tx, er *store.Erasure) (int, error) {
	name, err := rule.System(ctx, "erasing a user")
	if err != nil {
		return 0, err
	}
	if err := rule.CheckUserID(er.UserID); err != nil {
		return 0, err
	}
	if _, err := tx.MemberByUser(ctx, er.UserID); err == nil {
		return 0, fmt.Errorf("%w: user %q is still a member: deprovision it first", ErrInUse, er.UserID)
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	n, err := tx.Erase(ctx, er)
	if err != nil || n == 0 {
		return n, err
	}
	return n, rule.Emit(ctx, tx, store.Event{Type: store.UserErased, Actor: store.Party{System: name},
		Target: store.Party{UserID: er.Pseudonym, Name: er.Pseudonym}})
}

// readFeed hands fn every event of the feed that is not pruned.
func readFeed(ctx context.Context, s store.Store, fn func(*store.Event)) error {
	var after int64
	for {
		evs, err := s.Feed(ctx, after, store.MaxPageSize)
		var pe *store.PrunedError
		if errors.As(err, &pe) {
			after = pe.Earliest - 1
			continue
		}
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		for i := range evs {
			fn(&evs[i])
		}
		after = evs[len(evs)-1].Pos
	}
}
