package member

import (
	"context"
	"fmt"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// KeyKind is the prefix of API key secrets.
const KeyKind = "rkey"

// MaxKeysPerMember bounds the API keys one member holds at once: IssueKey
// refuses another with ErrLimitReached until one is revoked. The
// organisation's service keys are bounded alike, MaxKeysPerMember in all.
// A key counts until it is revoked, expired or not.
const MaxKeysPerMember = 100

// The lifetimes of API keys. Every key expires: DefaultKeyTTL after it is
// issued unless KeySpec.TTL says otherwise, and never later than MaxKeyTTL.
// A rotation's old secret keeps working for at most MaxKeyOverlap.
const (
	DefaultKeyTTL = 365 * 24 * time.Hour
	MaxKeyTTL     = 2 * 365 * 24 * time.Hour
	MaxKeyOverlap = 30 * 24 * time.Hour
)

// keyPrefixLen is how much of a key's secret is kept visible.
const keyPrefixLen = len(KeyKind) + 1 + 8

// KeySpec describes a key to issue.
type KeySpec struct {
	// Name labels the key in lists (required).
	Name string
	// Perms limits the key: it holds what its member holds and Perms
	// lists, computed each time it is used, so that it narrows with its
	// member. Empty: whatever its member holds. The issuer must hold every
	// permission listed (ErrEscalation). A service key holds exactly
	// Perms, which must not be empty.
	Perms access.Set
	// TTL is how long the key works: 0 means DefaultKeyTTL; more than
	// MaxKeyTTL, or less than 0, is ErrInvalid.
	TTL time.Duration
}

func (sp KeySpec) check(p *access.Policy) (time.Duration, error) {
	if err := rule.CheckName("key name", sp.Name, true); err != nil {
		return 0, err
	}
	if sp.TTL < 0 || sp.TTL > MaxKeyTTL {
		return 0, fmt.Errorf("%w: a key's lifetime is between 0 and %v, not %v", store.ErrInvalid, MaxKeyTTL, sp.TTL)
	}
	if err := rule.CheckPerms(p, sp.Perms); err != nil {
		return 0, err
	}
	if sp.TTL == 0 {
		return DefaultKeyTTL, nil
	}
	return sp.TTL, nil
}

// IssueKey issues an API key for target (the actor itself, or a member the
// actor covers), holding whatever its member holds, for DefaultKeyTTL: it
// is IssueKeyWith with only a name.
func IssueKey(ctx context.Context, s store.Store, org, actor, target store.ID, name string) (store.Key, string, error) {
	return IssueKeyWith(ctx, s, org, actor, target, KeySpec{Name: name})
}

// IssueKeyWith issues an API key for target (the actor itself, or a member
// the actor covers), and returns it with its secret, which is shown only
// now. Gated by access.ManageKeys; the target must be active, and hold fewer
// than MaxKeysPerMember keys (ErrLimitReached otherwise); a permission in
// spec.Perms that the actor does not hold is ErrEscalation. A service key
// acting holds no keys of its own (ErrForbidden). It writes KeyIssued.
func IssueKeyWith(ctx context.Context, s store.Store, org, actor, target store.ID, spec KeySpec) (store.Key, string, error) {
	var secret string
	k, err := rule.Update(ctx, s, org, func(tx store.Tx) (store.Key, error) {
		k, sec, err := IssueKeyWithTx(ctx, tx, actor, target, spec)
		secret = sec
		return k, err
	})
	if err != nil {
		return store.Key{}, "", err
	}
	return k, secret, nil
}

// IssueKeyTx is IssueKey inside a unit of work.
func IssueKeyTx(ctx context.Context, tx store.Tx, actor, target store.ID, name string) (store.Key, string, error) {
	return IssueKeyWithTx(ctx, tx, actor, target, KeySpec{Name: name})
}

// IssueKeyWithTx is IssueKeyWith inside a unit of work.
func IssueKeyWithTx(ctx context.Context, tx store.Tx, actor, target store.ID, spec KeySpec) (store.Key, string, error) {
	ttl, err := spec.check(tx.Env().Policy)
	if err != nil {
		return store.Key{}, "", err
	}
	a, err := rule.GatedActor(ctx, tx, actor, access.ManageKeys)
	if err != nil {
		return store.Key{}, "", err
	}
	t := a
	if a.System() != "" && target == actor {
		return store.Key{}, "", fmt.Errorf("%w: the system holds no keys; name the member to issue one to", store.ErrInvalid)
	}
	if target != actor {
		if t, err = rule.LoadTarget(ctx, tx, &a, target); err != nil {
			return store.Key{}, "", err
		}
		if t.Status != store.Active {
			return store.Key{}, "", fmt.Errorf("%w: keys are issued to active members", ErrInactive)
		}
	} else if a.ServiceKey() != (store.ID{}) {
		return store.Key{}, "", fmt.Errorf("%w: a service key holds no keys", ErrForbidden)
	}
	if err := rule.CanGrant(&a, spec.Perms, a.Scopes); err != nil {
		return store.Key{}, "", err
	}
	k, secret, err := newKey(ctx, tx, a.Org, t.ID, spec.Name, spec.Perms, nil, ttl)
	if err != nil {
		return store.Key{}, "", err
	}
	return k, secret, rule.Emit(ctx, tx, store.Event{Type: store.KeyIssued, Actor: a.Party(), Target: t.Party(), Object: k.ID,
		After: keyState(tx.Env().Policy, k)})
}

// newKey counts the holder's keys, and puts a new one.
func newKey(ctx context.Context, tx store.Tx, org, holder store.ID, name string, perms access.Set, stale []store.StaleName, ttl time.Duration) (store.Key, string, error) {
	// Counted under the organisation's lock, so that concurrent issues
	// cannot pass the limit together.
	if n, err := tx.CountKeys(ctx, holder); err != nil {
		return store.Key{}, "", err
	} else if n >= MaxKeysPerMember {
		return store.Key{}, "", fmt.Errorf("%w: %s holds %d API keys, the most one may", ErrLimitReached, holderName(holder), n)
	}
	env := tx.Env()
	secret, hash, err := rule.NewSecret(env, KeyKind)
	if err != nil {
		return store.Key{}, "", err
	}
	id, err := env.NewID()
	if err != nil {
		return store.Key{}, "", err
	}
	now := tx.Now()
	k := store.Key{ID: id, Org: org, Member: holder, Name: name, Prefix: secret[:keyPrefixLen], Hash: hash,
		Perms: perms, Stale: stale, Created: now, Expires: now.Add(ttl)}
	if err := tx.PutKey(ctx, k); err != nil {
		return store.Key{}, "", err
	}
	return k, secret, nil
}

func holderName(holder store.ID) string {
	if holder == (store.ID{}) {
		return "the organisation's service keys: it"
	}
	return "member " + holder.String()
}

// keyState is what an event records of a key.
func keyState(p *access.Policy, k store.Key) store.State {
	names, _ := p.Names(k.Perms.Intersect(p.All()))
	return store.State{Name: k.Name, Permissions: names, Expires: k.Expires}
}

// keyParty is the party an event about the service key k names.
func keyParty(k store.Key) store.Party { return store.Party{Key: k.ID, Name: k.Name} }

// IssueServiceKey issues a service key of the organisation: a key that
// belongs to no member, holds exactly spec.Perms (not empty: ErrInvalid),
// acts in its own name (the audit log attributes what it does to the key,
// store.Party.Key), and survives the removal of the member who issued it.
// Gated by access.ManageServiceKeys; a permission the actor does not hold
// is ErrEscalation, and so is an actor limited by scopes, for a service key
// acts everywhere; the organisation holds at most MaxKeysPerMember service
// keys (ErrLimitReached). It writes KeyIssued, whose target is the key.
func IssueServiceKey(ctx context.Context, s store.Store, org, actor store.ID, spec KeySpec) (store.Key, string, error) {
	var secret string
	k, err := rule.Update(ctx, s, org, func(tx store.Tx) (store.Key, error) {
		k, sec, err := IssueServiceKeyTx(ctx, tx, actor, spec)
		secret = sec
		return k, err
	})
	if err != nil {
		return store.Key{}, "", err
	}
	return k, secret, nil
}

// IssueServiceKeyTx is IssueServiceKey inside a unit of work.
func IssueServiceKeyTx(ctx context.Context, tx store.Tx, actor store.ID, spec KeySpec) (store.Key, string, error) {
	ttl, err := spec.check(tx.Env().Policy)
	if err != nil {
		return store.Key{}, "", err
	}
	if spec.Perms.IsEmpty() {
		return store.Key{}, "", fmt.Errorf("%w: a service key needs its permissions", store.ErrInvalid)
	}
	a, err := rule.GatedActor(ctx, tx, actor, access.ManageServiceKeys)
	if err != nil {
		return store.Key{}, "", err
	}
	if !a.IsOwner() && !a.Scopes.IsZero() {
		return store.Key{}, "", fmt.Errorf("%w: a service key acts everywhere, and the actor is limited to %v", ErrEscalation, a.Scopes)
	}
	if err := rule.CanGrant(&a, spec.Perms, a.Scopes); err != nil {
		return store.Key{}, "", err
	}
	k, secret, err := newKey(ctx, tx, a.Org, store.ID{}, spec.Name, spec.Perms, nil, ttl)
	if err != nil {
		return store.Key{}, "", err
	}
	return k, secret, rule.Emit(ctx, tx, store.Event{Type: store.KeyIssued, Actor: a.Party(), Target: keyParty(k), Object: k.ID,
		After: keyState(tx.Env().Policy, k)})
}

// keyAccess loads the actor and the key, and checks that the actor may
// revoke or rotate it: its own key freely; another member's with
// access.ManageKeys and covering the member; a service key with
// access.ManageServiceKeys. It returns the actor and the key's target
// party.
func keyAccess(ctx context.Context, tx store.Tx, actor, key store.ID) (store.Member, store.Key, store.Party, error) {
	if err := rule.CheckID("key", key); err != nil {
		return store.Member{}, store.Key{}, store.Party{}, err
	}
	a, err := rule.LoadActor(ctx, tx, actor)
	if err != nil {
		return store.Member{}, store.Key{}, store.Party{}, err
	}
	k, err := tx.Key(ctx, key)
	if err != nil {
		return store.Member{}, store.Key{}, store.Party{}, fmt.Errorf("key %v: %w", key, err)
	}
	switch {
	case k.Service():
		if err := rule.Gate(&a, access.ManageServiceKeys); err != nil {
			return store.Member{}, store.Key{}, store.Party{}, err
		}
		return a, k, keyParty(k), nil
	case k.Member == a.ID:
		return a, k, a.Party(), nil
	}
	if err := rule.Gate(&a, access.ManageKeys); err != nil {
		return store.Member{}, store.Key{}, store.Party{}, err
	}
	t, err := rule.LoadTarget(ctx, tx, &a, k.Member)
	if err != nil {
		return store.Member{}, store.Key{}, store.Party{}, err
	}
	return a, k, t.Party(), nil
}

// RevokeKey revokes an API key at once. A member may revoke its own keys;
// revoking another's is gated by access.ManageKeys and needs the actor to
// cover the key's member; revoking a service key is gated by
// access.ManageServiceKeys. It writes KeyRevoked.
func RevokeKey(ctx context.Context, s store.Store, org, actor, key store.ID) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, RevokeKeyTx(ctx, tx, actor, key) })
	return err
}

// RevokeKeyTx is RevokeKey inside a unit of work.
func RevokeKeyTx(ctx context.Context, tx store.Tx, actor, key store.ID) error {
	a, k, target, err := keyAccess(ctx, tx, actor, key)
	if err != nil {
		return err
	}
	if err := tx.DeleteKey(ctx, k.ID); err != nil {
		return err
	}
	return rule.Emit(ctx, tx, store.Event{Type: store.KeyRevoked, Actor: a.Party(), Target: target, Object: k.ID,
		Before: store.State{Name: k.Name}})
}

// RotateKey replaces an API key's secret: it issues a new key with the old
// one's name, holder and permissions, for as long as the old one was issued
// for (DefaultKeyTTL for a key without expiry), and returns it with its
// secret; the old secret keeps working until the earlier of now+overlap
// and its own expiry, then stops (an overlap of 0 revokes it at once). The
// actor may rotate what it may revoke (RevokeKey); a member's key is
// rotated only while its member is active (ErrInactive); an expired key is
// ErrKeyExpired; overlap beyond 0…MaxKeyOverlap is ErrInvalid. It writes
// one KeyRotated, whose Object is the new key and After.Replaces the old.
func RotateKey(ctx context.Context, s store.Store, org, actor, key store.ID, overlap time.Duration) (store.Key, string, error) {
	var secret string
	k, err := rule.Update(ctx, s, org, func(tx store.Tx) (store.Key, error) {
		k, sec, err := RotateKeyTx(ctx, tx, actor, key, overlap)
		secret = sec
		return k, err
	})
	if err != nil {
		return store.Key{}, "", err
	}
	return k, secret, nil
}

// RotateKeyTx is RotateKey inside a unit of work.
func RotateKeyTx(ctx context.Context, tx store.Tx, actor, key store.ID, overlap time.Duration) (store.Key, string, error) {
	if overlap < 0 || overlap > MaxKeyOverlap {
		return store.Key{}, "", fmt.Errorf("%w: a rotation's overlap is between 0 and %v, not %v", store.ErrInvalid, MaxKeyOverlap, overlap)
	}
	a, old, target, err := keyAccess(ctx, tx, actor, key)
	if err != nil {
		return store.Key{}, "", err
	}
	now := tx.Now()
	if old.Expired(now) {
		return store.Key{}, "", fmt.Errorf("%w: key %v expired at %s", ErrKeyExpired, old.ID, old.Expires.Format(time.RFC3339))
	}
	if !old.Service() && old.Member != a.ID {
		m, err := tx.Member(ctx, old.Member)
		if err != nil {
			return store.Key{}, "", err
		}
		if m.Status != store.Active {
			return store.Key{}, "", fmt.Errorf("%w: keys are rotated for active members", ErrInactive)
		}
	}
	ttl := DefaultKeyTTL
	if !old.Expires.IsZero() {
		ttl = min(max(old.Expires.Sub(old.Created), time.Microsecond), MaxKeyTTL)
	}
	end := now.Add(overlap)
	if !old.Expires.IsZero() && old.Expires.Before(end) {
		end = old.Expires
	}
	if overlap == 0 {
		err = tx.DeleteKey(ctx, old.ID)
	} else {
		err = tx.ExpireKey(ctx, old.ID, end)
	}
	if err != nil {
		return store.Key{}, "", err
	}
	k, secret, err := newKey(ctx, tx, old.Org, old.Member, old.Name, old.Perms, old.Stale, ttl)
	if err != nil {
		return store.Key{}, "", err
	}
	if k.Service() {
		target = keyParty(k)
	}
	after := keyState(tx.Env().Policy, k)
	after.Expires, after.Replaces = end, old.ID
	return k, secret, rule.Emit(ctx, tx, store.Event{Type: store.KeyRotated, Actor: a.Party(), Target: target, Object: k.ID,
		Before: store.State{Name: old.Name, Expires: old.Expires}, After: after})
}

// Authenticate returns the principal an API key secret stands for, with the
// key. For a member's key it is the member, holding what the member holds
// now and the key's permissions allow (store.Member.ThroughKey); for a
// service key it is the key's own principal (store.ServiceKeyMember), whose
// ID is the key's. A malformed secret is ErrInvalid; an unknown or revoked
// one, or one whose member was removed, ErrNotFound; one past its expiry,
// ErrKeyExpired. A deactivated member's key is ErrInactive unless the
// policy keeps such keys valid (access.Spec.InactiveKeysValid).
//
// On a store with the fast path (store.KeyHolderReader: memstore and
// sqlstore) it reads the store once. Expiry is judged by the store's
// environment clock (store.Env.Time).
func Authenticate(ctx context.Context, s store.Store, secret string) (store.Member, store.Key, error) {
	hash, err := rule.HashSecret(secret, KeyKind)
	if err != nil {
		return store.Member{}, store.Key{}, err
	}
	var k store.Key
	var m store.Member
	if r, ok := s.(store.KeyHolderReader); ok {
		k, m, err = r.KeyHolder(ctx, hash)
		if err != nil {
			return store.Member{}, store.Key{}, err
		}
	} else if k, err = s.KeyByHash(ctx, hash); err != nil {
		return store.Member{}, store.Key{}, err
	}
	if !rule.SameHash(k.Hash, hash) {
		return store.Member{}, store.Key{}, fmt.Errorf("key: %w", store.ErrNotFound)
	}
	env := s.Env()
	if k.Expired(env.Time()) {
		return store.Member{}, store.Key{}, fmt.Errorf("%w: key %s expired at %s", ErrKeyExpired, k.Prefix, k.Expires.Format(time.RFC3339))
	}
	if k.Service() {
		return store.ServiceKeyMember(env.Policy, k), k, nil
	}
	if m.ID != k.Member {
		if m, err = s.Member(ctx, k.Org, k.Member); err != nil {
			return store.Member{}, store.Key{}, fmt.Errorf("key's member: %w", err)
		}
	}
	if m.Status != store.Active && !env.Policy.InactiveKeysValid() {
		return store.Member{}, store.Key{}, fmt.Errorf("%w: the key's member is inactive", ErrInactive)
	}
	return m.ThroughKey(k), k, nil
}
