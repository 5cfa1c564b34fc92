package member_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
)

// failingTouch is a store whose usage writes fail until ok is set.
type failingTouch struct {
	*memstore.Store
	mu sync.Mutex
	ok bool
}

func (f *failingTouch) TouchKeys(ctx context.Context, uses []store.KeyUse) error {
	f.mu.Lock()
	ok := f.ok
	f.mu.Unlock()
	if !ok {
		return errors.New("database down")
	}
	return f.Store.TouchKeys(ctx, uses)
}

// TestKeyUsageRun: Run flushes what was seen before it returns, and a
// failed write keeps its uses for the next flush; Seen and Flush are safe
// together (run with -race).
func TestKeyUsageRun(t *testing.T) {
	ctx := context.Background()
	clock := fixture.NewClock()
	ms, err := memstore.New(fixture.NewEnv(clock, 5))
	if err != nil {
		t.Fatal(err)
	}
	s := &failingTouch{Store: ms}
	org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "o", Email: "o@acme.io"}})
	if err != nil {
		t.Fatal(err)
	}
	k, secret, err := member.IssueKey(ctx, s, org.ID, owner.ID, owner.ID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() time.Time {
		ks, _, err := s.Keys(ctx, org.ID, owner.ID, store.Page{})
		if err != nil || len(ks) != 1 {
			t.Fatal(ks, err)
		}
		return ks[0].LastUsed
	}
	u, err := member.NewKeyUsage(s, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := u.Authenticate(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if n, err := u.Flush(ctx); err == nil || n != 0 {
		t.Fatalf("a failed write: %d, %v", n, err)
	}
	s.mu.Lock()
	s.ok = true
	s.mu.Unlock()
	if n, err := u.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("the use kept for the next flush: %d, %v", n, err)
	}
	want := clock.Now().UTC()
	if got := lastUsed(); !got.Equal(want) {
		t.Fatalf("LastUsed %v, want %v", got, want)
	}

	// Concurrent uses while Run runs; cancelled, Run writes the last.
	clock.Advance(2 * time.Hour)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- u.Run(rctx) }()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				u.Seen(k)
				_, _ = u.Flush(ctx)
			}
		}()
	}
	wg.Wait()
	clock.Advance(2 * time.Hour)
	u.Seen(k)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if got, want := lastUsed(), clock.Now().UTC(); !got.Equal(want) {
		t.Fatalf("after Run: LastUsed %v, want %v", got, want)
	}
}
