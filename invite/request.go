package invite

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"golang.org/x/crypto/argon2"
)

// Access code rules. The code gate counts wrong codes twice: per
// requester (the host's user ID), so that a requester who keeps missing is
// locked out for a while without affecting anyone else; and per code, all
// requesters together, so that many identities cannot brute-force it.
//
//   - A requester who gives MaxCodeFailures wrong codes in a row is locked
//     out for CodeLockout (ErrLocked); a right code, or the lock's end,
//     starts its count again. No other requester is affected.
//   - A code takes at most MaxWrongCodes wrong guesses in its life, from all
//     requesters together. The guess that spends the budget writes a
//     store.CodeExhausted event; after it every guess, right or wrong, is
//     ErrCodeExhausted until an admin sets a new code (SetCode), which
//     starts a new budget and forgets every requester's count.
//
// The arithmetic. A four-digit code is one of 10⁴. An attacker with any
// number of identities gets at most MaxWrongCodes = 50 guesses at a code, so
// its chance of finding it is at most 50/10⁴ = 0.5% per code set, however
// long it tries; an admin who sets a new code each time the feed reports one
// exhausted hands out 0.5% again each time (about 5% after ten). Six digits
// make it 0.005% per code, twelve 5·10⁻¹¹. Under the old lock (five misses,
// then 15 minutes, per organisation) the same attacker got 480 guesses a
// day and found a four-digit code in ten days on average.
//
// The trade-off: a stranger cannot lock out a particular requester (the
// host's user ID is its identity, so the host must authenticate it), but
// with 50 wrong guesses it can exhaust the code, and then nobody can request
// access with a code until an admin sets a new one; the event says when.
//
// A refused guess costs no key derivation: a missing or malformed code, a
// locked requester and an exhausted code are decided from stored state
// before argon2id runs. Derivations run through store.Env.DeriveKey, at
// most Env.CodeKDFConcurrency at once, so concurrent guesses cannot exhaust
// memory.
const (
	MaxCodeFailures = 5                // wrong codes in a row before a requester is locked out
	CodeLockout     = 15 * time.Minute // how long a requester's lock lasts
	MaxWrongCodes   = 50               // wrong codes a code takes, from all requesters, before it is exhausted
	MaxMessageLen   = 2000
)

// A Requester is the outside user asking for access.
type Requester = member.NewUser

// RequestAccess records an outside user's request to become an external
// collaborator of org with perms (seed 002), or, from a collaborator, to
// hold perms beyond what it holds. If the organisation set an access code,
// code must match it: a missing code is ErrCodeRequired, one that is not 4
// to 12 digits store.ErrInvalid, a wrong one ErrWrongCode, counted against
// the requester and the code (see MaxCodeFailures and MaxWrongCodes). A
// requester locked out is ErrLocked, an exhausted code ErrCodeExhausted,
// decided before any key derivation. A staff member is
// store.ErrAlreadyMember; a user with an open request ErrAlreadyRequested.
// It writes RequestCreated.
func RequestAccess(ctx context.Context, s store.Store, org store.ID, user Requester, perms access.Set, message, code string) (store.Request, error) {
	// A wrong code must be counted though the request fails: the count
	// commits, and the refusal is returned after.
	var refusal error
	r, err := rule.Update(ctx, s, org, func(tx store.Tx) (store.Request, error) {
		r, err := RequestAccessTx(ctx, tx, user, perms, message, code)
		if errors.Is(err, ErrWrongCode) {
			refusal = err
			return store.Request{}, nil
		}
		return r, err
	})
	if refusal != nil {
		return store.Request{}, refusal
	}
	return r, err
}

// RequestAccessTx is RequestAccess inside a unit of work. A wrong code is
// counted in tx (and the guess that exhausts the code writes
// store.CodeExhausted there); return nil from the unit of work to keep the
// count.
func RequestAccessTx(ctx context.Context, tx store.Tx, user Requester, perms access.Set, message, code string) (store.Request, error) {
	env := tx.Env()
	if err := checkInvitee(&user); err != nil {
		return store.Request{}, err
	}
	if err := checkText("message", message, MaxMessageLen); err != nil {
		return store.Request{}, err
	}
	if extra := perms.Difference(env.Policy.All()); !extra.IsEmpty() {
		return store.Request{}, fmt.Errorf("%w: %w: %v", store.ErrInvalid, access.ErrUnknownPermission, extra)
	}
	if perms.IsEmpty() {
		return store.Request{}, fmt.Errorf("%w: a request asks for at least one permission", store.ErrInvalid)
	}
	if err := checkCode(ctx, tx, &user, code); err != nil {
		return store.Request{}, err
	}
	r := store.Request{UserID: user.UserID, Email: user.Email, Name: user.Name, Perms: perms, Message: message, Status: store.Asked}
	if m, err := tx.MemberByUser(ctx, user.UserID); err == nil {
		if m.Kind != store.External {
			return store.Request{}, fmt.Errorf("%w: user %q is a staff member", store.ErrAlreadyMember, user.UserID)
		}
		if perms.SubsetOf(m.Allow) {
			return store.Request{}, fmt.Errorf("%w: the collaborator holds every permission asked for", store.ErrAlreadyMember)
		}
		r.Member = m.ID
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Request{}, err
	}
	if _, err := tx.OpenRequest(ctx, user.UserID); err == nil {
		return store.Request{}, fmt.Errorf("%w: user %q", ErrAlreadyRequested, user.UserID)
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Request{}, err
	}
	o, err := tx.Org(ctx)
	if err != nil {
		return store.Request{}, err
	}
	now := tx.Now()
	r.Org, r.Created, r.Updated = o.ID, now, now
	if r.ID, err = env.NewID(); err != nil {
		return store.Request{}, err
	}
	if err := tx.PutRequest(ctx, r); err != nil {
		return store.Request{}, err
	}
	return r, rule.Emit(ctx, tx, store.Event{Type: store.RequestCreated, Actor: requester(&r), Target: requester(&r),
		Object: r.ID, After: store.State{Allow: names(env.Policy, perms), Status: r.Status.String()}})
}

func requester(r *store.Request) store.Party {
	return store.Party{Member: r.Member, UserID: r.UserID, Name: r.Name, Email: r.Email}
}

func names(p *access.Policy, s access.Set) []string {
	n, _ := p.Names(s.Intersect(p.All()))
	return n
}

func checkText(what, s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("%w: %s longer than %d bytes", store.ErrInvalid, what, max)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\n' && r != '\t' || r == 0x7f || r == 0xfffd }) {
		return fmt.Errorf("%w: %s holds a control character or invalid UTF-8", store.ErrInvalid, what)
	}
	return nil
}

// checkCode checks code against the organisation's access code, counting a
// wrong one against the requester and the code. Every refusal it can decide
// from stored state comes before the key derivation.
func checkCode(ctx context.Context, tx store.Tx, user *Requester, code string) error {
	c, err := tx.Code(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.Failures >= MaxWrongCodes {
		return fmt.Errorf("%w: %d wrong codes; an admin must set a new one", ErrCodeExhausted, c.Failures)
	}
	a, err := tx.CodeAttempt(ctx, user.UserID)
	found := err == nil
	if errors.Is(err, store.ErrNotFound) {
		a = store.CodeAttempt{UserID: user.UserID}
	} else if err != nil {
		return err
	}
	env, now := tx.Env(), tx.Now()
	if now.Before(a.LockedUntil) {
		return fmt.Errorf("%w: user %q until %s", ErrLocked, user.UserID, a.LockedUntil.Format(time.RFC3339))
	}
	if code == "" {
		return ErrCodeRequired
	}
	if err := checkCodeFormat(code); err != nil {
		return err
	}
	ok, err := verifyCode(ctx, env, c.Hash, code)
	if err != nil {
		return err
	}
	if !a.LockedUntil.IsZero() {
		a.Failures, a.LockedUntil = 0, time.Time{} // the lock has ended
	}
	if ok {
		if !found {
			return nil // no record to clear
		}
		return tx.PutCodeAttempt(ctx, store.CodeAttempt{Org: c.Org, UserID: a.UserID, Updated: now})
	}
	a.Org, a.Updated = c.Org, now
	if a.Failures++; a.Failures >= MaxCodeFailures {
		a.Failures, a.LockedUntil = 0, now.Add(CodeLockout)
	}
	if err := tx.PutCodeAttempt(ctx, a); err != nil {
		return err
	}
	c.Failures++
	c.Updated = now
	if err := tx.PutCode(ctx, c); err != nil {
		return err
	}
	if c.Failures >= MaxWrongCodes {
		if err := rule.Emit(ctx, tx, store.Event{Type: store.CodeExhausted,
			Actor: store.Party{UserID: user.UserID, Name: user.Name, Email: user.Email}}); err != nil {
			return err
		}
		return fmt.Errorf("%w: the code took %d wrong codes and takes no more", ErrWrongCode, MaxWrongCodes)
	}
	if !a.LockedUntil.IsZero() {
		return fmt.Errorf("%w: %d in a row; user %q locked until %s", ErrWrongCode, MaxCodeFailures, user.UserID, a.LockedUntil.Format(time.RFC3339))
	}
	return ErrWrongCode
}

// checkCodeFormat accepts 4 to 12 decimal digits.
func checkCodeFormat(code string) error {
	if len(code) < 4 || len(code) > 12 || strings.ContainsFunc(code, func(r rune) bool { return r < '0' || r > '9' }) {
		return fmt.Errorf("%w: an access code is 4 to 12 digits", store.ErrInvalid)
	}
	return nil
}

// hashCode hashes code with argon2id in PHC format.
func hashCode(ctx context.Context, env *store.Env, code string) (string, error) {
	salt := make([]byte, 16)
	if err := env.Read(salt); err != nil {
		return "", err
	}
	k := env.CodeKDF
	sum, err := env.DeriveKey(ctx, []byte(code), salt, k, 32)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, k.MemoryKiB, k.Time, k.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(sum)), nil
}

// verifyCode compares code with a hash from hashCode, in constant time.
func verifyCode(ctx context.Context, env *store.Env, hash, code string) (bool, error) {
	var v int
	var m, t uint32
	var p uint8
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("%w: stored access code hash is malformed", store.ErrConflict)
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, fmt.Errorf("%w: stored access code hash has version %q", store.ErrConflict, parts[2])
	}
	// The parameters come from the database: bounded before use, so that
	// a tampered row cannot ask for terabytes or hours.
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil ||
		(store.KDF{Time: t, MemoryKiB: m, Threads: p}).Check() != nil {
		return false, fmt.Errorf("%w: stored access code hash has parameters %q", store.ErrConflict, parts[3])
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(salt) > 64 || len(want) < 16 || len(want) > 64 {
		return false, fmt.Errorf("%w: stored access code hash does not decode", store.ErrConflict)
	}
	got, err := env.DeriveKey(ctx, []byte(code), salt, store.KDF{Time: t, MemoryKiB: m, Threads: p}, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// SetCode sets the organisation's access code (4 to 12 digits), or removes
// it when code is "". Either way the code's budget of wrong guesses starts
// again and every requester's count and lock are forgotten: setting a new
// code is how an admin reopens an exhausted one. Gated by
// access.ApproveRequests. It writes CodeSet or CodeCleared; the code itself
// is never logged.
func SetCode(ctx context.Context, s store.Store, org, actor store.ID, code string) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, SetCodeTx(ctx, tx, actor, code) })
	return err
}

// SetCodeTx is SetCode inside a unit of work.
func SetCodeTx(ctx context.Context, tx store.Tx, actor store.ID, code string) error {
	if code != "" {
		if err := checkCodeFormat(code); err != nil {
			return err
		}
	}
	a, err := rule.GatedActor(ctx, tx, actor, access.ApproveRequests)
	if err != nil {
		return err
	}
	env := tx.Env()
	c := store.Code{Org: a.Org, Updated: tx.Now()}
	typ := store.CodeCleared
	if code != "" {
		if c.Hash, err = hashCode(ctx, env, code); err != nil {
			return err
		}
		typ = store.CodeSet
	} else if _, err := tx.Code(ctx); errors.Is(err, store.ErrNotFound) {
		return nil // nothing to clear
	} else if err != nil {
		return err
	}
	if err := tx.PutCode(ctx, c); err != nil {
		return err
	}
	if err := tx.ClearCodeAttempts(ctx); err != nil {
		return err
	}
	return rule.Emit(ctx, tx, store.Event{Type: typ, Actor: a.Party()})
}

// decide loads the actor and an open request it may decide.
func decide(ctx context.Context, tx store.Tx, actor, id store.ID) (store.Member, store.Request, error) {
	if err := rule.CheckID("request", id); err != nil {
		return store.Member{}, store.Request{}, err
	}
	a, err := rule.GatedActor(ctx, tx, actor, access.ApproveRequests)
	if err != nil {
		return store.Member{}, store.Request{}, err
	}
	r, err := tx.Request(ctx, id)
	if err != nil {
		return store.Member{}, store.Request{}, fmt.Errorf("request %v: %w", id, err)
	}
	return a, r, requestClosedErr(&r)
}

func requestClosedErr(r *store.Request) error {
	switch r.Status {
	case store.Asked:
		return nil
	case store.Approved:
		return fmt.Errorf("%w: request %v was approved", ErrAlreadyUsed, r.ID)
	case store.Refused:
		return fmt.Errorf("%w: request %v was refused", ErrDeclined, r.ID)
	}
	return fmt.Errorf("%w: request %v was withdrawn", ErrCancelled, r.ID)
}

// Approve approves an open request with perms, which may narrow what was
// asked (and not widen it: store.ErrInvalid). A new requester becomes an
// external collaborator that holds perms and takes no seat; a collaborator
// asking for more adds perms to what it holds. Gated by
// access.ApproveRequests; the actor grants only what it holds. It writes
// RequestApproved.
func Approve(ctx context.Context, s store.Store, org, actor, id store.ID, perms access.Set) (store.Member, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Member, error) { return ApproveTx(ctx, tx, actor, id, perms) })
}

// ApproveTx is Approve inside a unit of work.
func ApproveTx(ctx context.Context, tx store.Tx, actor, id store.ID, perms access.Set) (store.Member, error) {
	return approveTx(ctx, tx, actor, id, perms, time.Time{})
}

// ApproveUntil is Approve with an end: the collaborator's access ends at
// until (store.Member.Until; seed 002's support agent for a week), which
// must come after now (store.ErrInvalid). For a collaborator asking for
// more, until replaces the end it had; the zero time keeps it.
func ApproveUntil(ctx context.Context, s store.Store, org, actor, id store.ID, perms access.Set, until time.Time) (store.Member, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Member, error) { return ApproveUntilTx(ctx, tx, actor, id, perms, until) })
}

// ApproveUntilTx is ApproveUntil inside a unit of work.
func ApproveUntilTx(ctx context.Context, tx store.Tx, actor, id store.ID, perms access.Set, until time.Time) (store.Member, error) {
	return approveTx(ctx, tx, actor, id, perms, until)
}

func approveTx(ctx context.Context, tx store.Tx, actor, id store.ID, perms access.Set, until time.Time) (store.Member, error) {
	until, err := rule.CheckUntil(until, tx.Now())
	if err != nil {
		return store.Member{}, err
	}
	if perms.IsEmpty() {
		return store.Member{}, fmt.Errorf("%w: approve at least one permission, or refuse", store.ErrInvalid)
	}
	a, r, err := decide(ctx, tx, actor, id)
	if err != nil {
		return store.Member{}, err
	}
	if !perms.SubsetOf(r.Perms) {
		return store.Member{}, fmt.Errorf("%w: approve some of the permissions asked for, and no others", store.ErrInvalid)
	}
	env := tx.Env()
	var m store.Member
	before := store.State{}
	if r.Member != (store.ID{}) {
		if m, err = rule.LoadTarget(ctx, tx, &a, r.Member); err != nil {
			return store.Member{}, err
		}
		before = rule.Snapshot(env.Policy, &m)
		m.Allow = m.Allow.Union(perms)
		m.Updated = tx.Now()
		if !until.IsZero() {
			m.Until, m.EndRecorded = until, false
		}
		if err := rule.ResolveIn(ctx, tx, &m); err != nil {
			return store.Member{}, err
		}
		g := m.Grant()
		if err := rule.CanGrant(&a, g.Held(), m.Scopes); err != nil {
			return store.Member{}, err
		}
	} else {
		m, err = rule.NewMember(tx, store.Member{Org: r.Org, UserID: r.UserID, Email: r.Email, Name: r.Name,
			Kind: store.External, Allow: perms, Until: until})
		if err != nil {
			return store.Member{}, err
		}
		if err := rule.Admit(ctx, tx, &a, &m, false); err != nil {
			return store.Member{}, err
		}
	}
	if err := tx.PutMember(ctx, m); err != nil {
		return store.Member{}, err
	}
	r.Status, r.Granted, r.Member, r.DecidedBy, r.Updated = store.Approved, perms, m.ID, a.Party(), tx.Now()
	if err := tx.PutRequest(ctx, r); err != nil {
		return store.Member{}, err
	}
	return m, rule.Emit(ctx, tx, store.Event{Type: store.RequestApproved, Actor: a.Party(), Target: m.Party(),
		Object: r.ID, Before: before, After: rule.Snapshot(env.Policy, &m)})
}

// Refuse declines an open request. Gated by access.ApproveRequests. It
// writes RequestRefused.
func Refuse(ctx context.Context, s store.Store, org, actor, id store.ID) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, RefuseTx(ctx, tx, actor, id) })
	return err
}

// RefuseTx is Refuse inside a unit of work.
func RefuseTx(ctx context.Context, tx store.Tx, actor, id store.ID) error {
	a, r, err := decide(ctx, tx, actor, id)
	if err != nil {
		return err
	}
	r.Status, r.DecidedBy, r.Updated = store.Refused, a.Party(), tx.Now()
	if err := tx.PutRequest(ctx, r); err != nil {
		return err
	}
	return rule.Emit(ctx, tx, store.Event{Type: store.RequestRefused, Actor: a.Party(),
		Target: requester(&r), Object: r.ID, After: store.State{Status: r.Status.String()}})
}

// Withdraw withdraws an open request; only the user who made it may
// (member.ErrForbidden). It writes RequestWithdrawn.
func Withdraw(ctx context.Context, s store.Store, org store.ID, user string, id store.ID) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, WithdrawTx(ctx, tx, user, id) })
	return err
}

// WithdrawTx is Withdraw inside a unit of work.
func WithdrawTx(ctx context.Context, tx store.Tx, user string, id store.ID) error {
	if err := rule.CheckID("request", id); err != nil {
		return err
	}
	r, err := tx.Request(ctx, id)
	if err != nil {
		return fmt.Errorf("request %v: %w", id, err)
	}
	if r.UserID != user {
		return fmt.Errorf("%w: only the requester withdraws a request", member.ErrForbidden)
	}
	if err := requestClosedErr(&r); err != nil {
		return err
	}
	r.Status, r.Updated = store.Withdrawn, tx.Now()
	if err := tx.PutRequest(ctx, r); err != nil {
		return err
	}
	return rule.Emit(ctx, tx, store.Event{Type: store.RequestWithdrawn, Actor: requester(&r),
		Target: requester(&r), Object: r.ID, After: store.State{Status: r.Status.String()}})
}
