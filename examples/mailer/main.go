// Command mailer delivers roster's invitations from the change feed: a
// worker, in a process of its own, follows the feed with a durable cursor
// and mails each invitation sent or resent, with a link the invitee can
// accept. The request that sends an invitation only writes it; nothing
// plaintext is kept anywhere (the token is sealed with the link key), and
// an invitation is delivered even after the member who sent it has left.
//
// Delivery is at least once: a worker that stops between mailing and
// advancing its cursor mails that batch again when it restarts.
//
//	go run ./examples/mailer            # a demonstration in one process
//	go run ./examples/mailer -worker -db app.db -mailbox mail.txt
//	                                    # the worker alone, on an app's database;
//	                                    # ROSTER_LINK_KEY holds the link key, in hex
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	_ "modernc.org/sqlite" // the SQLite driver, registered as "sqlite"
)

// The app's permissions and roles.
const (
	ViewDocs access.Permission = iota
	EditDocs
	InviteMembers
	ManageMembers
)

var policy = access.MustPolicy(access.Spec{
	Permissions: []access.PermissionSpec{
		ViewDocs:      {Name: "docs.view"},
		EditDocs:      {Name: "docs.edit"},
		InviteMembers: {Name: "members.invite"},
		ManageMembers: {Name: "members.manage"},
	},
	Roles: []access.RoleSpec{
		{Name: "owner"},
		{Name: "admin", Permissions: access.SetOf(ViewDocs, EditDocs, InviteMembers, ManageMembers)},
		{Name: "editor", Permissions: access.SetOf(ViewDocs, EditDocs)},
		{Name: "viewer", Permissions: access.SetOf(ViewDocs)},
	},
	Owner: "owner",
	Gates: map[access.Action]access.Permission{
		access.Invite:       InviteMembers,
		access.ChangeRole:   ManageMembers,
		access.ChangeStatus: ManageMembers,
		access.Remove:       ManageMembers,
	},
})

// joinURL is where the app accepts invitations.
const joinURL = "https://app.example.com/join"

// cursor is the worker's durable cursor in roster's tables.
const cursor = "mailer"

func main() {
	worker := flag.Bool("worker", false, "run the worker alone, until interrupted")
	dbPath := flag.String("db", "", "the app's SQLite database (-worker)")
	mailbox := flag.String("mailbox", "", "the file mail is appended to, standing in for an SMTP server (-worker)")
	delay := flag.Duration("delay", 0, "how long mailing one invitation takes (-worker)")
	batch := flag.Int("batch", 10, "invitations per batch (-worker)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if *worker {
		err = runWorker(ctx, *dbPath, *mailbox, *delay, *batch)
	} else {
		err = demo(ctx, os.Stdout)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
}

// open opens the app's roster store on the SQLite file path, with the link
// key from ROSTER_LINK_KEY.
func open(ctx context.Context, path string) (*sqlstore.Store, *sql.DB, error) {
	key, err := hex.DecodeString(os.Getenv("ROSTER_LINK_KEY"))
	if err != nil || len(key) != 32 {
		return nil, nil, fmt.Errorf("ROSTER_LINK_KEY must be 32 bytes in hex")
	}
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
	if err != nil {
		return nil, nil, err
	}
	s, err := sqlstore.New(db, sqlstore.SQLite, store.Env{Policy: policy, LinkKey: key}, sqlstore.Options{})
	if err == nil {
		err = s.Migrate(ctx)
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return s, db, nil
}

func runWorker(ctx context.Context, dbPath, mailbox string, delay time.Duration, batch int) error {
	s, db, err := open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := os.OpenFile(mailbox, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	return deliver(ctx, s, &smtp{f: f, delay: delay}, batch)
}

// A mailer sends one message.
type mailer interface {
	send(ctx context.Context, pos int64, to, link string) error
}

// deliver follows the feed from the cursor and mails every invitation sent
// or resent that still needs it, until ctx ends.
func deliver(ctx context.Context, s store.Store, m mailer, batch int) error {
	return store.Follow(ctx, s, cursor, store.FollowOptions{Batch: batch}, func(ctx context.Context, evs []store.Event) error {
		for _, e := range evs {
			if e.Type != store.InvitationSent && e.Type != store.InvitationResent {
				continue
			}
			link, err := invite.DeliveryLink(ctx, s, e, joinURL)
			if invite.Stale(err) {
				continue // accepted, cancelled, expired or resent since
			}
			if err != nil {
				return err // the batch comes again
			}
			if err := m.send(ctx, e.Pos, e.Target.Email, link); err != nil {
				return err
			}
		}
		return nil
	})
}

// smtp stands in for a mail server: each message is a line appended to a
// file and synced, "position, recipient, link", so that a message sent is
// sent even if the worker is killed the next instant.
type smtp struct {
	f     *os.File
	delay time.Duration
}

func (m *smtp) send(ctx context.Context, pos int64, to, link string) error {
	select {
	case <-time.After(m.delay):
	case <-ctx.Done():
		return ctx.Err()
	}
	if _, err := fmt.Fprintf(m.f, "%d\t%s\t%s\n", pos, to, link); err != nil {
		return err
	}
	return m.f.Sync()
}

// A mail is a line of the mailbox.
type mail struct {
	pos  int64
	to   string
	link string
}

// readMailbox reads the mail delivered to path.
func readMailbox(path string) ([]mail, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mail
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m mail
		parts := strings.Split(sc.Text(), "\t")
		if len(parts) != 3 {
			continue // a line cut short by a kill
		}
		if _, err := fmt.Sscan(parts[0], &m.pos); err != nil {
			return nil, err
		}
		m.to, m.link = parts[1], parts[2]
		out = append(out, m)
	}
	return out, sc.Err()
}

// memoryMail collects mail in memory, for the demonstration.
type memoryMail struct {
	w    io.Writer
	sent chan struct{}
}

func (m *memoryMail) send(_ context.Context, _ int64, to, link string) error {
	fmt.Fprintf(m.w, "   mailed %s a link (%s…)\n", to, link[:len(joinURL)+7])
	m.sent <- struct{}{}
	return nil
}

// demo runs the app and the worker in one process.
func demo(ctx context.Context, w io.Writer) error {
	dir, err := os.MkdirTemp("", "roster-mailer-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if os.Getenv("ROSTER_LINK_KEY") == "" {
		os.Setenv("ROSTER_LINK_KEY", strings.Repeat("ab", 32)) // a real app keeps a random key in its secrets
	}
	s, db, err := open(ctx, filepath.Join(dir, "app.db"))
	if err != nil {
		return err
	}
	defer db.Close()

	fmt.Fprintln(w, "1. Ann runs Acme; Bob, an admin, invites two people, then leaves.")
	org, ann, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ann", Email: "ann@acme.example"}})
	if err != nil {
		return err
	}
	bob, err := member.AddMember(ctx, s, org.ID, ann.ID, member.NewMember{Role: "admin", NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.example"}})
	if err != nil {
		return err
	}
	for _, email := range []string{"cat@acme.example", "dan@acme.example"} {
		// The request writes the invitation; it mails nothing.
		if _, _, err := invite.Send(ctx, s, org.ID, bob.ID, invite.NewInvitation{Email: email, Role: "editor"}); err != nil {
			return err
		}
	}
	if err := member.Leave(ctx, s, org.ID, bob.ID); err != nil {
		return err
	}

	fmt.Fprintln(w, "2. The worker follows the feed and mails both invitations.")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := &memoryMail{w: w, sent: make(chan struct{}, 10)}
	done := make(chan error, 1)
	go func() { done <- deliver(ctx, s, m, 10) }()
	<-m.sent
	<-m.sent

	fmt.Fprintln(w, "3. Ann invites Eve; the worker is woken by the commit and mails her at once.")
	if _, _, err := invite.Send(ctx, s, org.ID, ann.ID, invite.NewInvitation{Email: "eve@acme.example", Role: "viewer"}); err != nil {
		return err
	}
	<-m.sent
	// The cursor moves once the handler returned.
	var pos int64
	for pos < 6 {
		if pos, err = s.Cursor(ctx, cursor); err != nil {
			return err
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		return err
	}
	fmt.Fprintf(w, "4. The worker stops; its cursor, kept in roster's tables, is at position %d, the feed's end.\n", pos)
	return nil
}
