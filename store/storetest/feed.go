package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// readFeed reads the whole feed after pos.
func readFeed(t *testing.T, s store.Store, pos int64) []store.Event {
	t.Helper()
	var all []store.Event
	for {
		evs, err := s.Feed(context.Background(), pos, 0)
		require.NoError(t, err)
		if len(evs) == 0 {
			return all
		}
		all = append(all, evs...)
		pos = evs[len(evs)-1].Pos
	}
}

// checkFeed checks that feed, read from position from on, numbers its
// events from+1, from+2… and keeps each organisation's events in Seq order.
func checkFeed(t *testing.T, feed []store.Event, from int64) {
	t.Helper()
	last := map[store.ID]int64{}
	for i, e := range feed {
		require.Equal(t, from+int64(i)+1, e.Pos, "feed positions have no gaps")
		require.Greater(t, e.Seq, last[e.Org], "the feed keeps an organisation's order")
		last[e.Org] = e.Seq
	}
}

func testFeed(t *testing.T, f Factory) {
	w := newWorld(t, f)
	other, otherOwner := w.newOrg("Other", 0)
	w.add(otherOwner, "viewer")
	_, _, _ = w.send(w.admin, "editor")

	feed := readFeed(t, w.s, 0)
	checkFeed(t, feed, 0)
	// Every event of every organisation, exactly once.
	want := map[store.ID]store.Event{}
	for _, org := range []store.ID{w.org.ID, other.ID} {
		for _, e := range w.events(org) {
			want[e.ID] = e
		}
	}
	require.Len(t, feed, len(want))
	for _, e := range feed {
		base, ok := want[e.ID]
		require.True(t, ok, "the feed has an event no log has: %+v", e)
		base.Pos = e.Pos
		require.Equal(t, base, e)
	}
	// Read from the middle, and once placed, the logs show the positions.
	mid := feed[len(feed)/2].Pos
	require.Equal(t, feed[len(feed)/2+1:], readFeed(t, w.s, mid))
	for _, e := range w.events(w.org.ID) {
		require.NotZero(t, e.Pos, "an event read from the feed has its position in the log")
	}
	n := int64(len(feed))

	// A unit of work that rolls back leaves no event; one that commits
	// comes after what was read.
	rollback := errors.New("roll back")
	err := w.s.Update(w.ctx, w.org.ID, func(tx store.Tx) error {
		if _, err := member.AddMemberTx(w.ctx, tx, w.owner.ID, member.NewMember{NewUser: w.user(), Role: "viewer"}); err != nil {
			return err
		}
		return rollback
	})
	require.ErrorIs(t, err, rollback)
	require.Empty(t, readFeed(t, w.s, n))
	m := w.add(w.admin, "viewer")
	got := readFeed(t, w.s, n)
	require.Len(t, got, 1)
	require.Equal(t, store.MemberAdded, got[0].Type)
	require.Equal(t, n+1, got[0].Pos)
	require.Equal(t, m.UserID, got[0].Target.UserID, "a member's event names its user")

	_, err = w.s.Feed(w.ctx, -1, 0)
	require.ErrorIs(t, err, store.ErrInvalid)
	evs, err := w.s.Feed(w.ctx, n, 1)
	require.NoError(t, err)
	require.Len(t, evs, 1, "limit")
}

// testFeedPayloads checks that each event carries what a consumer of the
// feed needs without a second read: an invitation's ID, e-mail, role and
// expiry; a member's user.
func testFeedPayloads(t *testing.T, f Factory) {
	w := newWorld(t, f)
	start := int64(len(readFeed(t, w.s, 0)))
	inv, _, _ := w.send(w.admin, "editor")
	_, _, err := invite.Resend(w.ctx, w.s, w.org.ID, w.admin.ID, inv.ID)
	require.NoError(t, err)
	_, err = member.ChangeRole(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID, "editor")
	require.NoError(t, err)
	_, err = member.Deactivate(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID)
	require.NoError(t, err)
	require.NoError(t, member.Remove(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID))
	feed := readFeed(t, w.s, start)
	require.Len(t, feed, 5)
	for _, e := range feed[:2] {
		require.Equal(t, inv.ID, e.Object, "%s: the invitation's ID", e.Type)
		require.Equal(t, inv.Email, e.Target.Email, "%s: the invitee's e-mail", e.Type)
		require.Equal(t, "editor", e.After.Role, "%s: the role", e.Type)
		require.False(t, e.After.Expires.IsZero(), "%s: the expiry", e.Type)
	}
	for _, e := range feed[2:] {
		require.Equal(t, w.viewer.UserID, e.Target.UserID, "%s: the member's user", e.Type)
		require.Equal(t, w.viewer.ID, e.Target.Member, "%s: the member", e.Type)
	}
}

func testFeedCursors(t *testing.T, f Factory) {
	w := newWorld(t, f)
	pos, err := w.s.Cursor(w.ctx, "mailer")
	require.NoError(t, err)
	require.Zero(t, pos, "a new cursor starts at 0")
	require.NoError(t, w.s.Advance(w.ctx, "mailer", 5))
	require.NoError(t, w.s.Advance(w.ctx, "mailer", 3))
	pos, err = w.s.Cursor(w.ctx, "mailer")
	require.NoError(t, err)
	require.Equal(t, int64(5), pos, "a cursor never moves back")
	require.NoError(t, w.s.Advance(w.ctx, "mailer", 9))
	pos, _ = w.s.Cursor(w.ctx, "mailer")
	require.Equal(t, int64(9), pos)
	pos, _ = w.s.Cursor(w.ctx, "search")
	require.Zero(t, pos, "cursors are independent")

	for _, name := range []string{"", strings.Repeat("x", store.MaxCursorName+1), "bad\x00name", "\u202erelief", "\xff"} {
		_, err := w.s.Cursor(w.ctx, name)
		require.ErrorIs(t, err, store.ErrInvalid, "%q", name)
		require.ErrorIs(t, w.s.Advance(w.ctx, name, 1), store.ErrInvalid, "%q", name)
	}
	require.ErrorIs(t, w.s.Advance(w.ctx, "mailer", -1), store.ErrInvalid)
	long := strings.Repeat("é", store.MaxCursorName/2)
	require.NoError(t, w.s.Advance(w.ctx, long, 2))
	pos, err = w.s.Cursor(w.ctx, long)
	require.NoError(t, err)
	require.Equal(t, int64(2), pos)
	// Names differ by case and by trailing spaces.
	pos, _ = w.s.Cursor(w.ctx, "Mailer")
	require.Zero(t, pos)
	pos, _ = w.s.Cursor(w.ctx, "mailer ")
	require.Zero(t, pos)
}

func testFeedPrune(t *testing.T, f Factory) {
	w := newWorld(t, f)
	early := readFeed(t, w.s, 0)
	w.clock.Advance(time.Hour)
	cut := w.clock.Now()
	w.add(w.admin, "viewer")
	w.add(w.admin, "viewer")

	horizon, err := w.s.Prune(w.ctx, cut)
	require.NoError(t, err)
	require.Equal(t, int64(len(early)), horizon, "every event before the cut, none after")
	again, err := w.s.Prune(w.ctx, cut.Add(-time.Minute))
	require.NoError(t, err)
	require.Equal(t, horizon, again, "the horizon never moves back")

	_, err = w.s.Feed(w.ctx, 0, 0)
	require.ErrorIs(t, err, store.ErrPruned)
	var pe *store.PrunedError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, horizon+1, pe.Earliest)
	code, status := store.ErrorCode(err)
	require.Equal(t, "pruned", code)
	require.Equal(t, 410, status)
	_, err = w.s.Feed(w.ctx, horizon-1, 0)
	require.ErrorIs(t, err, store.ErrPruned)

	rest := readFeed(t, w.s, horizon)
	checkFeed(t, rest, horizon)
	require.Len(t, rest, 2)
	require.Equal(t, rest, allEvents(t, w.s, w.org.ID), "the audit log lost the same events")
	evs, err := w.s.Events(w.ctx, w.org.ID, rest[0].Seq, 0)
	require.NoError(t, err)
	require.Equal(t, rest[1:], evs)

	// Pruning everything leaves a feed that goes on from the horizon.
	w.clock.Advance(time.Hour)
	all, err := w.s.Prune(w.ctx, w.clock.Now())
	require.NoError(t, err)
	require.Equal(t, horizon+2, all)
	require.Empty(t, readFeed(t, w.s, all))
	w.add(w.admin, "viewer")
	next := readFeed(t, w.s, all)
	require.Len(t, next, 1)
	require.Equal(t, all+1, next[0].Pos)
}

func testFollow(t *testing.T, f Factory) {
	w := newWorld(t, f)
	total := int64(len(readFeed(t, w.s, 0)))

	// Follow hands every event over once and advances the cursor; a
	// commit through the same store wakes it at once, though its timer
	// would wait an hour.
	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	var mu sync.Mutex
	var got []store.Event
	seen := make(chan int64, 100)
	done := make(chan error, 1)
	go func() {
		done <- store.Follow(ctx, w.s, "test", store.FollowOptions{Batch: 3, MinWait: time.Hour, MaxWait: time.Hour},
			func(_ context.Context, evs []store.Event) error {
				require.LessOrEqual(t, len(evs), 3)
				mu.Lock()
				got = append(got, evs...)
				mu.Unlock()
				seen <- evs[len(evs)-1].Pos
				return nil
			})
	}()
	waitFor := func(pos int64) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case p := <-seen:
				if p == pos {
					return
				}
			case <-deadline:
				t.Fatalf("Follow did not reach position %d", pos)
			}
		}
	}
	waitFor(total)
	w.add(w.admin, "viewer")
	waitFor(total + 1)
	// The cursor follows the handler.
	require.Eventually(t, func() bool {
		pos, err := w.s.Cursor(w.ctx, "test")
		require.NoError(t, err)
		return pos == total+1
	}, 10*time.Second, time.Millisecond, "the cursor is where the handler got to")
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	mu.Lock()
	checkFeed(t, got, 0)
	require.Len(t, got, int(total+1))
	mu.Unlock()
	pos, err := w.s.Cursor(w.ctx, "test")
	require.NoError(t, err)
	require.Equal(t, total+1, pos)

	// A handler's error ends Follow, and the batch comes again.
	w.add(w.admin, "viewer")
	boom := errors.New("boom")
	err = store.Follow(w.ctx, w.s, "test", store.FollowOptions{}, func(context.Context, []store.Event) error { return boom })
	require.ErrorIs(t, err, boom)
	pos, _ = w.s.Cursor(w.ctx, "test")
	require.Equal(t, total+1, pos, "a failed batch does not advance the cursor")
	var again []store.Event
	ctx2, cancel2 := context.WithCancel(w.ctx)
	err = store.Follow(ctx2, w.s, "test", store.FollowOptions{}, func(_ context.Context, evs []store.Event) error {
		again = append(again, evs...)
		cancel2()
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, again, 1)
	require.Equal(t, total+2, again[0].Pos)

	require.ErrorIs(t, store.Follow(w.ctx, w.s, "", store.FollowOptions{}, nil), store.ErrInvalid)
	_, err = w.s.Prune(w.ctx, w.clock.Now().Add(time.Hour))
	require.NoError(t, err)
	w.add(w.admin, "viewer")
	err = store.Follow(w.ctx, w.s, "behind", store.FollowOptions{}, func(context.Context, []store.Event) error { return nil })
	require.ErrorIs(t, err, store.ErrPruned, "a cursor behind the horizon ends Follow")
}

// Feed is the change feed's test under load, for a backend's TestFeed: 8
// writers on many organisations through the store f makes, some of whose
// units of work stay open for a second and some roll back, while a follower
// reads the feed through follower(s), a second Store on the same database
// with a connection pool of its own (or s itself, for an in-memory store).
// At the end the follower has read every committed event exactly once, in
// each organisation's order, and none of the rolled-back ones.
func Feed(t *testing.T, f Factory, follower func(t *testing.T, s store.Store) store.Store) {
	clock := fixture.NewClock()
	s := f(t, fixture.NewEnv(clock, uint64(time.Now().UnixNano())))
	r := follower(t, s)
	ctx := context.Background()

	const orgs, writers = 16, 8
	duration := 3 * time.Second
	type orgOwner struct{ org, owner store.ID }
	var os []orgOwner
	for i := range orgs {
		o, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: fmt.Sprintf("Org %d", i),
			Owner: member.NewUser{UserID: fmt.Sprintf("owner-%d", i), Email: fmt.Sprintf("owner%d@example.com", i), Name: "Owner"}})
		require.NoError(t, err)
		os = append(os, orgOwner{o.ID, owner.ID})
	}

	var users atomic.Int64
	newUser := func(prefix string) member.NewUser {
		n := users.Add(1)
		return member.NewUser{UserID: fmt.Sprintf("%s-%d", prefix, n), Email: fmt.Sprintf("%s%d@example.com", prefix, n), Name: "User"}
	}
	rollback := errors.New("roll back")
	var committed, rolledBack, slow atomic.Int64
	stop := time.Now().Add(duration)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for wi := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(wi), 7))
			for time.Now().Before(stop) {
				o := os[rng.IntN(len(os))]
				var err error
				switch k := rng.IntN(10); {
				case k == 0 && wi < 2: // held open for a second
					err = s.Update(ctx, o.org, func(tx store.Tx) error {
						if _, err := member.AddMemberTx(ctx, tx, o.owner, member.NewMember{NewUser: newUser("slow"), Role: "viewer"}); err != nil {
							return err
						}
						time.Sleep(time.Second)
						return nil
					})
					slow.Add(1)
				case k <= 2: // rolled back after writing
					err = s.Update(ctx, o.org, func(tx store.Tx) error {
						if _, err := member.AddMemberTx(ctx, tx, o.owner, member.NewMember{NewUser: newUser("rolledback"), Role: "viewer"}); err != nil {
							return err
						}
						return rollback
					})
					if errors.Is(err, rollback) {
						rolledBack.Add(1)
						continue
					}
				default:
					_, err = member.AddMember(ctx, s, o.org, o.owner, member.NewMember{NewUser: newUser("user"), Role: "viewer"})
				}
				if err != nil {
					errs <- err
					return
				}
				committed.Add(1)
			}
		}()
	}

	// The follower reads as it goes, and goes on after the writers stop
	// until it has every event the logs hold.
	var feed []store.Event
	var pos int64
	writersDone := make(chan struct{})
	go func() { wg.Wait(); close(writersDone) }()
	want := -1
	deadline := time.Now().Add(duration + 30*time.Second)
	for want < 0 || len(feed) < want {
		require.True(t, time.Now().Before(deadline), "the follower has %d events of %d", len(feed), want)
		evs, err := r.Feed(ctx, pos, 100)
		require.NoError(t, err)
		feed = append(feed, evs...)
		if len(evs) > 0 {
			pos = evs[len(evs)-1].Pos
		}
		select {
		case <-writersDone:
			if want < 0 {
				close(errs)
				for err := range errs {
					require.NoError(t, err)
				}
				want = 0
				for _, o := range os {
					want += len(allEvents(t, s, o.org))
				}
			}
		default:
			if len(evs) == 0 {
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
	t.Logf("%d units of work committed (%d held open for a second), %d rolled back; %d events followed",
		committed.Load(), slow.Load(), rolledBack.Load(), len(feed))
	require.Positive(t, rolledBack.Load())
	require.Positive(t, slow.Load())

	checkFeed(t, feed, 0)
	require.Len(t, feed, want)
	seen := map[store.ID]bool{}
	for _, e := range feed {
		require.False(t, seen[e.ID], "event %v twice", e.ID)
		seen[e.ID] = true
		require.False(t, strings.HasPrefix(e.Target.UserID, "rolledback-"), "a rolled-back event in the feed: %+v", e)
	}
	for _, o := range os {
		for _, e := range allEvents(t, s, o.org) {
			require.True(t, seen[e.ID], "the follower missed %s %d of %v", e.Type, e.Seq, e.Org)
		}
	}
	more, err := r.Feed(ctx, pos, 0)
	require.NoError(t, err)
	require.Empty(t, more)
}

// allEvents reads the whole audit log of org.
func allEvents(t *testing.T, s store.Store, org store.ID) []store.Event {
	t.Helper()
	var all []store.Event
	var after int64
	for {
		evs, err := s.Events(context.Background(), org, after, store.MaxPageSize)
		require.NoError(t, err)
		if len(evs) == 0 {
			return all
		}
		all = append(all, evs...)
		after = evs[len(evs)-1].Seq
	}
}

// testDelivery delivers invitations from the feed as the host, with no
// member acting: also after the sender left, never a superseded link, and
// nothing for an invitation closed since its event.
func testDelivery(t *testing.T, f Factory) {
	w := newWorld(t, f)
	start := int64(len(readFeed(t, w.s, 0)))
	link := func(e store.Event) (string, error) {
		return invite.DeliveryLink(w.ctx, w.s, e, "https://app.example.com/join")
	}
	tokenOf := func(l string) string {
		u, err := url.Parse(l)
		require.NoError(t, err)
		return u.Query().Get("token")
	}
	_, _, u := w.send(w.manager, "viewer")
	cancelled, _, _ := w.send(w.manager, "viewer")
	require.NoError(t, invite.Cancel(w.ctx, w.s, w.org.ID, w.owner.ID, cancelled.ID))
	resent, _, ru := w.send(w.manager, "editor")
	w.clock.Advance(time.Minute)
	_, _, err := invite.Resend(w.ctx, w.s, w.org.ID, w.admin.ID, resent.ID)
	require.NoError(t, err)
	// The sender leaves before the worker runs.
	require.NoError(t, member.Remove(w.ctx, w.s, w.org.ID, w.owner.ID, w.manager.ID))

	feed := readFeed(t, w.s, start)
	var sends []store.Event
	for _, e := range feed {
		switch e.Type {
		case store.InvitationSent, store.InvitationResent:
			sends = append(sends, e)
		default:
			_, err := link(e)
			require.ErrorIs(t, err, store.ErrInvalid, "%s sends nothing", e.Type)
			require.False(t, invite.Stale(err))
		}
	}
	require.Len(t, sends, 4)

	l, err := link(sends[0])
	require.NoError(t, err, "the sender has left, the host delivers")
	_, err = link(sends[1])
	require.ErrorIs(t, err, invite.ErrCancelled)
	require.True(t, invite.Stale(err))
	_, err = link(sends[2])
	require.ErrorIs(t, err, invite.ErrSuperseded, "the first send of a resent invitation")
	require.True(t, invite.Stale(err))
	code, status := store.ErrorCode(err)
	require.Equal(t, "superseded", code)
	require.Equal(t, 410, status)
	rl, err := link(sends[3])
	require.NoError(t, err)

	a, err := invite.Accept(w.ctx, w.s, tokenOf(l), u)
	require.NoError(t, err, "the delivered link works")
	require.Equal(t, "viewer", a.Member.Role)
	a, err = invite.Accept(w.ctx, w.s, tokenOf(rl), ru)
	require.NoError(t, err, "the resend's link works")
	require.Equal(t, "editor", a.Member.Role)
	_, err = link(sends[0])
	require.ErrorIs(t, err, invite.ErrAlreadyUsed)
	require.True(t, invite.Stale(err))

	// Expired by the time the worker runs.
	late, _, _ := w.send(w.admin, "viewer")
	w.clock.Advance(8 * 24 * time.Hour)
	evs := readFeed(t, w.s, feed[len(feed)-1].Pos)
	require.Equal(t, late.ID, evs[len(evs)-1].Object)
	_, err = link(evs[len(evs)-1])
	require.ErrorIs(t, err, invite.ErrExpired)

	// Without a link key, the feed cannot deliver.
	env := fixture.NewEnv(fixture.NewClock(), 12)
	env.LinkKey = nil
	s := f(t, env)
	o, owner, err := member.CreateOrg(w.ctx, s, member.NewOrg{Name: "Keyless", Owner: member.NewUser{UserID: "o", Email: "o@x.io"}})
	require.NoError(t, err)
	_, _, err = invite.Send(w.ctx, s, o.ID, owner.ID, invite.NewInvitation{Email: "p@x.io", Role: "viewer"})
	require.NoError(t, err)
	kf := readFeed(t, s, 0)
	_, err = invite.DeliveryLink(w.ctx, s, kf[len(kf)-1], "https://x.io")
	require.ErrorIs(t, err, invite.ErrNoLink)
	require.False(t, invite.Stale(err))
}
