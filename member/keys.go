package member

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/access"
)

// KeyKind is the prefix of API key secrets.
const KeyKind = "rkey"

// keyPrefixLen is how much of a key's secret is kept visible.
const keyPrefixLen = len(KeyKind) + 1 + 8

// IssueKey issues an API key for target (the actor itself, or a member the
// actor covers), and returns it with its secret, which is shown only now.
// Gated by access.ManageKeys; the target must be active. It writes KeyIssued.
func IssueKey(ctx context.Context, s Store, org, actor, target ID, name string) (Key, string, error) {
	var secret string
	k, err := update(ctx, s, org, func(tx Tx) (Key, error) {
		k, sec, err := IssueKeyTx(ctx, tx, actor, target, name)
		secret = sec
		return k, err
	})
	if err != nil {
		return Key{}, "", err
	}
	return k, secret, nil
}

// IssueKeyTx is IssueKey inside a unit of work.
func IssueKeyTx(ctx context.Context, tx Tx, actor, target ID, name string) (Key, string, error) {
	if err := CheckName("key name", name, true); err != nil {
		return Key{}, "", err
	}
	a, err := GatedActor(ctx, tx, actor, access.ManageKeys)
	if err != nil {
		return Key{}, "", err
	}
	t := a
	if target != actor {
		if t, err = LoadTarget(ctx, tx, &a, target); err != nil {
			return Key{}, "", err
		}
		if t.Status != Active {
			return Key{}, "", fmt.Errorf("%w: keys are issued to active members", ErrInactive)
		}
	}
	env := tx.Env()
	secret, hash, err := NewSecret(env, KeyKind)
	if err != nil {
		return Key{}, "", err
	}
	id, err := env.NewID()
	if err != nil {
		return Key{}, "", err
	}
	k := Key{ID: id, Org: t.Org, Member: t.ID, Name: name, Prefix: secret[:keyPrefixLen], Hash: hash, Created: env.Time()}
	if err := tx.PutKey(ctx, k); err != nil {
		return Key{}, "", err
	}
	return k, secret, Emit(ctx, tx, Event{Type: KeyIssued, Actor: a.Party(), Target: t.Party(), Object: k.ID,
		After: State{Name: k.Name}})
}

// RevokeKey revokes an API key at once. A member may revoke its own keys;
// revoking another's is gated by access.ManageKeys and needs the actor to
// cover the key's member. It writes KeyRevoked.
func RevokeKey(ctx context.Context, s Store, org, actor, key ID) error {
	_, err := update(ctx, s, org, func(tx Tx) (struct{}, error) { return struct{}{}, RevokeKeyTx(ctx, tx, actor, key) })
	return err
}

// RevokeKeyTx is RevokeKey inside a unit of work.
func RevokeKeyTx(ctx context.Context, tx Tx, actor, key ID) error {
	if err := CheckID("key", key); err != nil {
		return err
	}
	a, err := LoadActor(ctx, tx, actor)
	if err != nil {
		return err
	}
	k, err := tx.Key(ctx, key)
	if err != nil {
		return fmt.Errorf("key %v: %w", key, err)
	}
	t := a
	if k.Member != a.ID {
		if err := Gate(&a, access.ManageKeys); err != nil {
			return err
		}
		if t, err = LoadTarget(ctx, tx, &a, k.Member); err != nil {
			return err
		}
	}
	if err := tx.DeleteKey(ctx, k.ID); err != nil {
		return err
	}
	return Emit(ctx, tx, Event{Type: KeyRevoked, Actor: a.Party(), Target: t.Party(), Object: k.ID,
		Before: State{Name: k.Name}})
}

// Authenticate returns the member an API key secret belongs to, with the
// grant the key carries, and the key. A malformed secret is ErrInvalid; an
// unknown or revoked one, or one whose member was removed, ErrNotFound. A
// deactivated member's key is ErrInactive unless the policy keeps such keys
// valid (access.Spec.InactiveKeysValid).
func Authenticate(ctx context.Context, s Store, secret string) (Member, Key, error) {
	hash, err := HashSecret(secret, KeyKind)
	if err != nil {
		return Member{}, Key{}, err
	}
	k, err := s.KeyByHash(ctx, hash)
	if err != nil {
		return Member{}, Key{}, err
	}
	if !SameHash(k.Hash, hash) {
		return Member{}, Key{}, fmt.Errorf("key: %w", ErrNotFound)
	}
	m, err := s.Member(ctx, k.Org, k.Member)
	if err != nil {
		return Member{}, Key{}, fmt.Errorf("key's member: %w", err)
	}
	if m.Status != Active && !s.Env().Policy.InactiveKeysValid() {
		return Member{}, Key{}, fmt.Errorf("%w: the key's member is inactive", ErrInactive)
	}
	m.grant = m.grant.Through(access.FromKey, "key "+k.Prefix, true)
	return m, k, nil
}
