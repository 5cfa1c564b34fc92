package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// TestMain runs the worker when the test binary is started as one by
// startWorker.
func TestMain(m *testing.M) {
	if os.Getenv("MAILER_WORKER") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, demo(context.Background(), &out))
	want := `1. Ann runs Acme; Bob, an admin, invites two people, then leaves.
2. The worker follows the feed and mails both invitations.
   mailed cat@acme.example a link (https://app.example.com/join?token=…)
   mailed dan@acme.example a link (https://app.example.com/join?token=…)
3. Ann invites Eve; the worker is woken by the commit and mails her at once.
   mailed eve@acme.example a link (https://app.example.com/join?token=…)
4. The worker stops; its cursor, kept in roster's tables, is at position 6, the feed's end.
`
	require.Equal(t, want, out.String())
}

// startWorker starts the worker in a process of its own.
func startWorker(t *testing.T, dbPath, mailbox string, delay time.Duration) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-worker", "-db", dbPath, "-mailbox", mailbox, "-delay", delay.String(), "-batch", "5")
	cmd.Env = append(os.Environ(), "MAILER_WORKER=1")
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// TestWorkerCrash kills the worker with SIGKILL in the middle of a batch and
// starts it again: every invitation still pending is mailed with a link its
// invitee accepts, also those whose sender left before the worker ran; an
// invitation resent before the worker reached it is mailed once, with the
// new link; and a message is sent twice only in the crash window, the
// batch the worker had not yet acknowledged.
func TestWorkerCrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath, mailbox := filepath.Join(dir, "app.db"), filepath.Join(dir, "mail.txt")
	t.Setenv("ROSTER_LINK_KEY", hex.EncodeToString([]byte("0123456789abcdef0123456789abcdef")))
	s, db, err := open(ctx, dbPath)
	require.NoError(t, err)
	defer db.Close()

	org, ann, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ann", Email: "ann@acme.example"}})
	require.NoError(t, err)
	bob, err := member.AddMember(ctx, s, org.ID, ann.ID, member.NewMember{Role: "admin", NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.example"}})
	require.NoError(t, err)
	invited := map[string]store.ID{} // e-mail → invitation
	send := func(by store.Member, email string) {
		inv, _, err := invite.Send(ctx, s, org.ID, by.ID, invite.NewInvitation{Email: email, Role: "viewer"})
		require.NoError(t, err)
		invited[email] = inv.ID
	}
	for i := range 10 {
		send(bob, fmt.Sprintf("bob-invited-%d@example.com", i))
	}
	for i := range 20 {
		send(ann, fmt.Sprintf("person-%d@example.com", i))
	}
	// Resent before the worker runs: the first send is superseded.
	for i := range 3 {
		_, _, err := invite.Resend(ctx, s, org.ID, ann.ID, invited[fmt.Sprintf("person-%d@example.com", i)])
		require.NoError(t, err)
	}
	// Bob leaves: his invitations are still delivered.
	require.NoError(t, member.Remove(ctx, s, org.ID, ann.ID, bob.ID))

	// The first worker mails slowly and is killed mid-batch.
	w1 := startWorker(t, dbPath, mailbox, 40*time.Millisecond)
	require.Eventually(t, func() bool {
		ms, err := readMailbox(mailbox)
		require.NoError(t, err)
		return len(ms) >= 7 // into the second batch of five
	}, 30*time.Second, 5*time.Millisecond)
	require.NoError(t, w1.Process.Signal(syscall.SIGKILL))
	_ = w1.Wait()
	before, err := readMailbox(mailbox)
	require.NoError(t, err)
	acked, err := s.Cursor(ctx, cursor)
	require.NoError(t, err)

	// More happens while no worker runs, then a second worker catches up.
	for i := range 5 {
		send(ann, fmt.Sprintf("late-%d@example.com", i))
	}
	resentLate := "person-10@example.com"
	_, _, err = invite.Resend(ctx, s, org.ID, ann.ID, invited[resentLate])
	require.NoError(t, err)
	feed, err := s.Feed(ctx, 0, store.MaxPageSize)
	require.NoError(t, err)
	end := feed[len(feed)-1].Pos

	w2 := startWorker(t, dbPath, mailbox, 0)
	require.Eventually(t, func() bool {
		pos, err := s.Cursor(ctx, cursor)
		require.NoError(t, err)
		return pos == end
	}, 30*time.Second, 10*time.Millisecond, "the second worker reaches the feed's end")
	require.NoError(t, w2.Process.Signal(syscall.SIGTERM))
	require.NoError(t, w2.Wait(), "the worker stops cleanly on SIGTERM")

	mails, err := readMailbox(mailbox)
	require.NoError(t, err)
	t.Logf("%d messages: %d before the kill (cursor at %d), %d after", len(mails), len(before), acked, len(mails)-len(before))

	// Duplicates only in the crash window: mailed before the kill, after
	// the acknowledged cursor.
	count := map[int64]int{}
	for _, m := range mails {
		count[m.pos]++
	}
	dups := 0
	for pos, n := range count {
		require.LessOrEqual(t, n, 2, "position %d mailed %d times", pos, n)
		if n == 2 {
			dups++
			require.Greater(t, pos, acked, "position %d mailed twice though acknowledged", pos)
		}
	}
	require.LessOrEqual(t, dups, 5, "at most one batch comes again")
	require.Positive(t, len(mails)-len(before)-dups, "the second worker mailed what the first did not")

	// The last link each invitee got works, for every invitation.
	last := map[string]string{}
	for _, m := range mails {
		last[m.to] = m.link
	}
	require.Len(t, last, len(invited), "every invitee got mail")
	for email := range invited {
		u, err := url.Parse(last[email])
		require.NoError(t, err)
		user := member.NewUser{UserID: strings.TrimSuffix(email, "@example.com"), Email: email}
		_, err = invite.Accept(ctx, s, u.Query().Get("token"), user)
		require.NoError(t, err, "%s accepts the link mailed last", email)
	}
	// An invitation resent before the worker reached it was mailed once.
	for i := range 3 {
		n := 0
		for _, m := range mails {
			if m.to == fmt.Sprintf("person-%d@example.com", i) {
				n++
			}
		}
		require.Equal(t, 1, n, "person-%d: the superseded send is not mailed", i)
	}
}
