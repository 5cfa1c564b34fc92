package member

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rosterhq/roster/store"
)

// KeyUsage records when API keys were last used (store.Key.LastUsed)
// without a write per request: uses are kept in memory and written by
// Flush, at most once per Interval for each key, all in one call of the
// store's store.KeyUsageWriter.
//
// The bound: while Run runs, a key's LastUsed in the store is never more
// than twice the interval behind its latest use through this KeyUsage
// (a use waits for the next flush, and a key written less than an interval
// ago for the one after). Uses not yet flushed when the process dies are
// lost; LastUsed is a hint for people ("unused for 90 days"), never a
// decision. It is safe for concurrent use.
type KeyUsage struct {
	s        store.Store
	w        store.KeyUsageWriter
	interval time.Duration

	mu      sync.Mutex
	pending map[store.ID]store.KeyUse
	written map[store.ID]time.Time // when each key was last written, by the store's clock
}

// NewKeyUsage returns a KeyUsage writing to s at most once per interval for
// each key. A store that cannot record uses, or an interval not above 0, is
// ErrInvalid.
func NewKeyUsage(s store.Store, interval time.Duration) (*KeyUsage, error) {
	w, ok := s.(store.KeyUsageWriter)
	if !ok {
		return nil, fmt.Errorf("%w: the store does not record key usage (store.KeyUsageWriter)", store.ErrInvalid)
	}
	if interval <= 0 {
		return nil, fmt.Errorf("%w: key usage interval %v", store.ErrInvalid, interval)
	}
	return &KeyUsage{s: s, w: w, interval: interval, pending: map[store.ID]store.KeyUse{}, written: map[store.ID]time.Time{}}, nil
}

// Authenticate is Authenticate on the KeyUsage's store, and notes the
// key's use when it succeeds.
func (u *KeyUsage) Authenticate(ctx context.Context, secret string) (store.Member, store.Key, error) {
	m, k, err := Authenticate(ctx, u.s, secret)
	if err == nil {
		u.Seen(k)
	}
	return m, k, err
}

// Seen notes that k was used now (the store's clock, store.Env.Time).
func (u *KeyUsage) Seen(k store.Key) {
	now := u.s.Env().Time()
	u.mu.Lock()
	u.pending[k.ID] = store.KeyUse{Org: k.Org, Key: k.ID, At: now}
	u.mu.Unlock()
}

// Flush writes the noted uses of every key not written within the last
// interval, in one call of the store, and returns how many it wrote; the
// others wait for a later flush. A failed write keeps its uses for the
// next.
func (u *KeyUsage) Flush(ctx context.Context) (int, error) {
	now := u.s.Env().Time()
	u.mu.Lock()
	var uses []store.KeyUse
	for id, use := range u.pending {
		if last, ok := u.written[id]; ok && now.Sub(last) < u.interval {
			continue
		}
		uses = append(uses, use)
		delete(u.pending, id)
		u.written[id] = now
	}
	// A key not written for an interval is at the same point as one
	// never written: forget it, so that the map stays as large as the
	// keys in use.
	for id, last := range u.written {
		if _, ok := u.pending[id]; !ok && now.Sub(last) >= u.interval {
			delete(u.written, id)
		}
	}
	u.mu.Unlock()
	if len(uses) == 0 {
		return 0, nil
	}
	if err := u.w.TouchKeys(ctx, uses); err != nil {
		u.mu.Lock()
		for _, use := range uses {
			if _, newer := u.pending[use.Key]; !newer {
				u.pending[use.Key] = use
			}
			delete(u.written, use.Key)
		}
		u.mu.Unlock()
		return 0, err
	}
	return len(uses), nil
}

// Run flushes once per interval until ctx ends, then once more with a
// fresh context bounded by the interval, and returns ctx's error. Failed
// flushes are retried at the next tick.
func (u *KeyUsage) Run(ctx context.Context) error {
	t := time.NewTicker(u.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), u.interval)
			_, _ = u.Flush(fctx)
			cancel()
			return ctx.Err()
		case <-t.C:
			_, _ = u.Flush(ctx)
		}
	}
}
