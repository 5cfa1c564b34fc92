package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"golang.org/x/crypto/argon2"
)

// An Env is what the rules need besides the data: the host's policy, a
// clock and a source of randomness. A store carries one, so that every rule
// run through it sees the same policy and time; tests inject a fake clock and
// a seeded reader to make expiry and identifiers reproducible.
type Env struct {
	// Policy is the host's policy. Required.
	Policy *access.Policy
	// Now returns the current time; nil means time.Now. Times are stored
	// in UTC, truncated to microseconds, as every database keeps them.
	// Inside a unit of work the rules take their time from Tx.Now, which
	// a store may read from elsewhere (sqlstore: the database's clock,
	// unless Now is set); Now always makes identifiers and the times of
	// what runs outside a unit of work.
	Now func() time.Time
	// Rand is the source of tokens, keys and identifiers; nil means
	// crypto/rand.Reader. Use anything else in tests only.
	Rand io.Reader
	// Observer, if set, is told of every unit of work (Observer).
	Observer Observer
	// OnRefusal, if set, is told of every refusal of a rule (Refusal):
	// which rule, on which organisation, by which actor, with the typed
	// error the caller got. Like Observer it runs on the caller's
	// goroutine once the unit of work ended, must not block and must not
	// call the store. Access checks (Grant.Can) are not refusals of a
	// rule: they are answers, and stay a bit test that reports nothing.
	OnRefusal func(ctx context.Context, r Refusal)
	// LinkKey, if set, is a 32-byte secret with which invitation tokens
	// are kept sealed, so that an allowed member can copy an invitation's
	// link again. Without it only the token's hash is kept.
	LinkKey []byte
	// EraseKey, if set, keys the pseudonym that member.Erase leaves in
	// place of a user (HMAC-SHA-256 of the user's ID), so that nobody
	// without it can tell from a guessed user ID whose pseudonym it is.
	// Without it the pseudonym is an unkeyed hash of the user's ID. Keep
	// it as long as the data: the same key gives the same pseudonym.
	EraseKey []byte
	ids      *idClock // keeps identifiers increasing within a millisecond

	// CodeKDF sets the cost of hashing access codes with argon2id; the
	// zero value means OWASP's recommendation: two passes over 19 MiB, one
	// thread.
	CodeKDF KDF
	// CodeKDFConcurrency is how many argon2id derivations (DeriveKey) the
	// store runs at once; more wait for a slot, or for their context to
	// end. It bounds the memory that concurrent guesses take, whatever
	// their number: at most CodeKDFConcurrency × CodeKDF.MemoryKiB (76 MiB
	// at the defaults, where unbounded 16 concurrent guesses took 304 MiB).
	// 0 means runtime.GOMAXPROCS at Init, at most DefaultKDFConcurrency:
	// argon2id with one thread is bound by the CPU, so more at once would
	// only wait longer together.
	CodeKDFConcurrency int
	kdf                *kdfGate
}

// DefaultKDFConcurrency caps the default of Env.CodeKDFConcurrency.
const DefaultKDFConcurrency = 4

// kdfGate holds an Env's derivation slots and counts the derivations.
type kdfGate struct {
	slots  chan struct{}
	runs   atomic.Int64
	queued atomic.Int64 // callers waiting for a slot, for tests
	hook   func()       // tests: runs inside a slot, before the derivation
}

// DeriveKey returns argon2id(secret, salt) at cost k, keyLen bytes long,
// once one of the environment's CodeKDFConcurrency slots is free. A
// context that ends while it waits is returned (wrapped) and nothing is
// derived. A cost outside KDF.Check's bounds, a key longer than 1 KiB, and
// an Env that did not come from Init (it has no slots) are ErrInvalid.
//
// The rules call it inside a unit of work, so a guess waiting for a slot
// holds its organisation meanwhile: give it a context with a deadline.
func (e *Env) DeriveKey(ctx context.Context, secret, salt []byte, k KDF, keyLen uint32) ([]byte, error) {
	g := e.kdf
	if g == nil {
		return nil, fmt.Errorf("%w: DeriveKey on an Env that did not come from Init", ErrInvalid)
	}
	if err := k.Check(); err != nil {
		return nil, err
	}
	if keyLen == 0 || keyLen > 1024 {
		return nil, fmt.Errorf("%w: a derived key of %d bytes", ErrInvalid, keyLen)
	}
	g.queued.Add(1)
	select {
	case g.slots <- struct{}{}:
		g.queued.Add(-1)
	case <-ctx.Done():
		g.queued.Add(-1)
		return nil, fmt.Errorf("roster: waiting to derive a key: %w", ctx.Err())
	}
	defer func() { <-g.slots }()
	g.runs.Add(1)
	if g.hook != nil {
		g.hook()
	}
	return argon2.IDKey(secret, salt, k.Time, k.MemoryKiB, k.Threads, keyLen), nil
}

// Derivations returns how many key derivations DeriveKey has run in this
// environment: a figure for a host's metrics, and how a test shows that a
// refused guess cost none.
func (e *Env) Derivations() int64 {
	if e.kdf == nil {
		return 0
	}
	return e.kdf.runs.Load()
}

// KDF is the argon2id cost of hashing a low-entropy secret.
type KDF struct {
	Time      uint32 // passes
	MemoryKiB uint32
	Threads   uint8
}

// The bounds of a KDF, which hold for the cost an Env sets and for the
// parameters read back with a stored hash: a tampered row cannot make the
// process allocate more than MaxKDFMemoryKiB or spend more than MaxKDFTime
// passes on one guess. The upper bounds are those of RFC 9106's second
// recommendation (64 MiB, three passes) with room above it.
const (
	MaxKDFTime      = 10
	MaxKDFMemoryKiB = 64 * 1024
	MaxKDFThreads   = 8
)

// Check refuses, with ErrInvalid, a cost outside the bounds: no pass, less
// than 8 KiB, no thread, or more than MaxKDFTime, MaxKDFMemoryKiB or
// MaxKDFThreads.
func (k KDF) Check() error {
	if k.Time == 0 || k.MemoryKiB < 8 || k.Threads == 0 {
		return fmt.Errorf("%w: argon2id cost %+v is too weak to run", ErrInvalid, k)
	}
	if k.Time > MaxKDFTime || k.MemoryKiB > MaxKDFMemoryKiB || k.Threads > MaxKDFThreads {
		return fmt.Errorf("%w: argon2id cost %+v is beyond t=%d, m=%d KiB, p=%d", ErrInvalid, k, MaxKDFTime, MaxKDFMemoryKiB, MaxKDFThreads)
	}
	return nil
}

// Init validates e and fills in its defaults. Stores call it once when they
// are built.
func (e Env) Init() (*Env, error) {
	if !e.Policy.Valid() {
		return nil, fmt.Errorf("%w: Env.Policy must come from access.NewPolicy or ParsePolicy", ErrInvalid)
	}
	if len(e.LinkKey) != 0 && len(e.LinkKey) != 32 {
		return nil, fmt.Errorf("%w: Env.LinkKey must be 32 bytes, not %d", ErrInvalid, len(e.LinkKey))
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.Rand == nil {
		e.Rand = rand.Reader
	}
	if e.CodeKDF == (KDF{}) {
		e.CodeKDF = KDF{Time: 2, MemoryKiB: 19 * 1024, Threads: 1}
	}
	if err := e.CodeKDF.Check(); err != nil {
		return nil, fmt.Errorf("Env.CodeKDF: %w", err)
	}
	if e.CodeKDFConcurrency < 0 {
		return nil, fmt.Errorf("%w: Env.CodeKDFConcurrency is %d", ErrInvalid, e.CodeKDFConcurrency)
	}
	if e.CodeKDFConcurrency == 0 {
		e.CodeKDFConcurrency = min(runtime.GOMAXPROCS(0), DefaultKDFConcurrency)
	}
	e.kdf = &kdfGate{slots: make(chan struct{}, e.CodeKDFConcurrency)}
	e.LinkKey = append([]byte(nil), e.LinkKey...)
	e.EraseKey = append([]byte(nil), e.EraseKey...)
	e.ids = new(idClock)
	return &e, nil
}

// idClock makes a store's UUIDv7s increase strictly, as RFC 9562's method 3
// does: within one millisecond, the 12 bits after the timestamp count up from
// a random start; when they run out, or the clock steps back, the timestamp
// moves on from the last one.
type idClock struct {
	mu  sync.Mutex
	ms  int64
	ctr uint16
}

// Time returns the current time in UTC, truncated to microseconds. The
// rules use it outside a unit of work only; inside one, Tx.Now.
func (e *Env) Time() time.Time { return e.Now().UTC().Truncate(time.Microsecond) }

// Read fills b from the environment's randomness.
func (e *Env) Read(b []byte) error {
	if _, err := io.ReadFull(e.Rand, b); err != nil {
		return fmt.Errorf("roster: reading randomness: %w", err)
	}
	return nil
}

// NewID returns a UUIDv7 made from the environment's clock and randomness,
// so that a seeded reader and a fake clock give reproducible identifiers.
// The identifiers one Env makes increase strictly, so lists ordered by ID
// are in creation order.
func (e *Env) NewID() (ID, error) {
	var id ID
	if err := e.Read(id[6:]); err != nil {
		return uuid.Nil, err
	}
	ms, ctr := e.Now().UnixMilli(), uint16(id[6]&0x07)<<8|uint16(id[7])
	if c := e.ids; c != nil {
		c.mu.Lock()
		if ms <= c.ms {
			ms, ctr = c.ms, c.ctr+1
			if ctr > 0xfff {
				ms, ctr = ms+1, 0
			}
		}
		c.ms, c.ctr = ms, ctr
		c.mu.Unlock()
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(ms))
	copy(id[:6], b[2:])
	id[6] = 0x70 | byte(ctr>>8)
	id[7] = byte(ctr)
	id[8] = 0x80 | id[8]&0x3f
	return id, nil
}
