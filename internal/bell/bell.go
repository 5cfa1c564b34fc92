package bell

import "sync"

// A Bell is rung after each commit; waiters get a channel that the next
// ring closes. The zero value is ready to use.
type Bell struct {
	mu sync.Mutex
	ch chan struct{}
}

// Wait returns a channel closed by the next Ring.
func (b *Bell) Wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

// Ring wakes every waiter.
func (b *Bell) Ring() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}
