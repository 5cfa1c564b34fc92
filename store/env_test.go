package store_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/store"
)

func kdfEnv(t *testing.T, slots int) *store.Env {
	t.Helper()
	p := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "view"}},
		Roles:       []access.RoleSpec{{Name: "owner"}, {Name: "viewer", Permissions: access.SetOf(0)}},
		Owner:       "owner",
	})
	env, err := store.Env{Policy: p, CodeKDF: store.KDF{Time: 1, MemoryKiB: 64, Threads: 1}, CodeKDFConcurrency: slots}.Init()
	if err != nil {
		t.Fatal(err)
	}
	return env
}

var cheap = store.KDF{Time: 1, MemoryKiB: 64, Threads: 1}

// Concurrent guesses cannot exhaust memory: of 16 derivations started at
// once, no more than CodeKDFConcurrency run together (issue #14: 16
// concurrent guesses peaked at 304 MiB). Each derivation holds its slot
// until all 16 have arrived and as many as may run are running, so an
// unbounded gate would let more in meanwhile.
func TestDeriveKeyBoundsConcurrency(t *testing.T) {
	const slots, guesses = 2, 16
	env := kdfEnv(t, slots)
	var in, peak atomic.Int64
	release := make(chan struct{})
	store.SetKDFHook(env, func() {
		n := in.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if n <= slots {
			<-release // hold the slot while the others arrive
		}
		in.Add(-1)
	})
	var wg sync.WaitGroup
	for range guesses {
		wg.Go(func() {
			if _, err := env.DeriveKey(context.Background(), []byte("4821"), []byte("saltsalt"), cheap, 32); err != nil {
				t.Error(err)
			}
		})
	}
	// Wait until the bound is reached and the rest wait for a slot, or
	// until one runs beyond the bound.
	for peak.Load() <= slots && (in.Load() < slots || store.KDFQueued(env) < guesses-slots) {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if got := peak.Load(); got != slots {
		t.Fatalf("%d derivations ran at once; the bound is %d", got, slots)
	}
	if got := env.Derivations(); got != guesses {
		t.Fatalf("%d derivations ran, want %d", got, guesses)
	}
}

// A guess that waits for a slot gives up when its context ends, with the
// context's error, and derives nothing.
func TestDeriveKeyWaiterHonoursContext(t *testing.T) {
	env := kdfEnv(t, 1)
	held, release := make(chan struct{}), make(chan struct{})
	store.SetKDFHook(env, func() {
		close(held)
		<-release
	})
	done := make(chan error)
	go func() {
		_, err := env.DeriveKey(context.Background(), []byte("4821"), []byte("saltsalt"), cheap, 32)
		done <- err
	}()
	<-held
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := env.DeriveKey(ctx, []byte("4821"), []byte("saltsalt"), cheap, 32); !errors.Is(err, context.Canceled) {
		t.Fatalf("a waiter whose context ended got %v, want context.Canceled", err)
	}
	if got := env.Derivations(); got != 1 {
		t.Fatalf("%d derivations ran, want the one holding the slot", got)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// The default bound is GOMAXPROCS, at most DefaultKDFConcurrency, and a
// negative one is refused.
func TestCodeKDFConcurrencyDefault(t *testing.T) {
	if got, want := kdfEnv(t, 0).CodeKDFConcurrency, min(runtime.GOMAXPROCS(0), store.DefaultKDFConcurrency); got != want {
		t.Fatalf("default CodeKDFConcurrency %d, want %d", got, want)
	}
	if _, err := (store.Env{Policy: kdfEnv(t, 1).Policy, CodeKDFConcurrency: -1}).Init(); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("a negative CodeKDFConcurrency: %v, want store.ErrInvalid", err)
	}
	if _, err := (&store.Env{}).DeriveKey(context.Background(), nil, nil, cheap, 32); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("DeriveKey on an Env without Init: %v, want store.ErrInvalid", err)
	}
}
