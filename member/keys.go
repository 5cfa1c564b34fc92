package member

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// KeyKind is the prefix of API key secrets.
const KeyKind = "rkey"

// MaxKeysPerMember bounds the API keys one member holds at once: IssueKey
// refuses another with ErrLimitReached until one is revoked.
const MaxKeysPerMember = 100

// keyPrefixLen is how much of a key's secret is kept visible.
const keyPrefixLen = len(KeyKind) + 1 + 8

// IssueKey issues an API key for target (the actor itself, or a member the
// actor covers), and returns it with its secret, which is shown only now.
// Gated by access.ManageKeys; the target must be active, and hold fewer
// than MaxKeysPerMember keys (ErrLimitReached otherwise). It writes
// KeyIssued.
func IssueKey(ctx context.Context, s store.Store, org, actor, target store.ID, name string) (store.Key, string, error) {
	var secret string
	k, err := rule.Update(ctx, s, org, func(tx store.Tx) (store.Key, error) {
		k, sec, err := IssueKeyTx(ctx, tx, actor, target, name)
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
	if err := rule.CheckName("key name", name, true); err != nil {
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
	}
	// Counted under the organisation's lock, so that concurrent issues
	// cannot pass the limit together.
	if n, err := tx.CountKeys(ctx, t.ID); err != nil {
		return store.Key{}, "", err
	} else if n >= MaxKeysPerMember {
		return store.Key{}, "", fmt.Errorf("%w: member %v holds %d API keys, the most one may", ErrLimitReached, t.ID, n)
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
	k := store.Key{ID: id, Org: t.Org, Member: t.ID, Name: name, Prefix: secret[:keyPrefixLen], Hash: hash, Created: tx.Now()}
	if err := tx.PutKey(ctx, k); err != nil {
		return store.Key{}, "", err
	}
	return k, secret, rule.Emit(ctx, tx, store.Event{Type: store.KeyIssued, Actor: a.Party(), Target: t.Party(), Object: k.ID,
		After: store.State{Name: k.Name}})
}

// RevokeKey revokes an API key at once. A member may revoke its own keys;
// revoking another's is gated by access.ManageKeys and needs the actor to
// cover the key's member. It writes KeyRevoked.
func RevokeKey(ctx context.Context, s store.Store, org, actor, key store.ID) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, RevokeKeyTx(ctx, tx, actor, key) })
	return err
}

// RevokeKeyTx is RevokeKey inside a unit of work.
func RevokeKeyTx(ctx context.Context, tx store.Tx, actor, key store.ID) error {
	if err := rule.CheckID("key", key); err != nil {
		return err
	}
	a, err := rule.LoadActor(ctx, tx, actor)
	if err != nil {
		return err
	}
	k, err := tx.Key(ctx, key)
	if err != nil {
		return fmt.Errorf("key %v: %w", key, err)
	}
	t := a
	if k.Member != a.ID {
		if err := rule.Gate(&a, access.ManageKeys); err != nil {
			return err
		}
		if t, err = rule.LoadTarget(ctx, tx, &a, k.Member); err != nil {
			return err
		}
	}
	if err := tx.DeleteKey(ctx, k.ID); err != nil {
		return err
	}
	return rule.Emit(ctx, tx, store.Event{Type: store.KeyRevoked, Actor: a.Party(), Target: t.Party(), Object: k.ID,
		Before: store.State{Name: k.Name}})
}

// Authenticate returns the member an API key secret belongs to, with the
// grant the key carries, and the key. A malformed secret is ErrInvalid; an
// unknown or revoked one, or one whose member was removed, ErrNotFound. A
// deactivated member's key is ErrInactive unless the policy keeps such keys
// valid (access.Spec.InactiveKeysValid).
func Authenticate(ctx context.Context, s store.Store, secret string) (store.Member, store.Key, error) {
	hash, err := rule.HashSecret(secret, KeyKind)
	if err != nil {
		return store.Member{}, store.Key{}, err
	}
	k, err := s.KeyByHash(ctx, hash)
	if err != nil {
		return store.Member{}, store.Key{}, err
	}
	if !rule.SameHash(k.Hash, hash) {
		return store.Member{}, store.Key{}, fmt.Errorf("key: %w", store.ErrNotFound)
	}
	m, err := s.Member(ctx, k.Org, k.Member)
	if err != nil {
		return store.Member{}, store.Key{}, fmt.Errorf("key's member: %w", err)
	}
	if m.Status != store.Active && !s.Env().Policy.InactiveKeysValid() {
		return store.Member{}, store.Key{}, fmt.Errorf("%w: the key's member is inactive", ErrInactive)
	}
	return m.ThroughKey(k), k, nil
}
