// Command quickstart walks through roster's membership lifecycle on SQLite:
// a policy, an organisation, an invitation accepted through its link, a
// permission check, a role change, a deactivation, an ownership transfer and
// the audit log.
//
//	go run ./examples/quickstart               # a temporary database
//	go run ./examples/quickstart -db roster.db # a database file you keep
package main

import (
	"cmp"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	_ "modernc.org/sqlite" // the SQLite driver, registered as "sqlite"
)

// The host declares its permissions as constants…
const (
	ViewProducts access.Permission = iota
	EditProducts
	InviteMembers
	ManageMembers
	ReadAudit
)

// …and names them, groups them into roles, and says which permission gates
// each lifecycle action. An action left ungated is the owner's alone.
var policy = access.MustPolicy(access.Spec{
	Permissions: []access.PermissionSpec{
		ViewProducts:  {Name: "products.view"},
		EditProducts:  {Name: "products.edit"},
		InviteMembers: {Name: "members.invite"},
		ManageMembers: {Name: "members.manage"},
		ReadAudit:     {Name: "audit.read"},
	},
	Roles: []access.RoleSpec{
		{Name: "owner"}, // holds every permission
		{Name: "admin", Permissions: access.SetOf(ViewProducts, EditProducts, InviteMembers, ManageMembers, ReadAudit)},
		{Name: "editor", Permissions: access.SetOf(ViewProducts, EditProducts)},
		{Name: "viewer", Permissions: access.SetOf(ViewProducts)},
	},
	Owner: "owner",
	Gates: map[access.Action]access.Permission{
		access.Invite:       InviteMembers,
		access.ChangeRole:   ManageMembers,
		access.ChangeStatus: ManageMembers,
		access.Remove:       ManageMembers,
		access.ReadAudit:    ReadAudit,
	},
})

func main() {
	dbPath := flag.String("db", "", "SQLite database file (default: a temporary file, removed at exit)")
	flag.Parse()
	if err := start(*dbPath); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
}

// start runs the walkthrough on dbPath, or on a temporary file it removes.
func start(dbPath string) error {
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "roster-quickstart-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbPath = filepath.Join(dir, "roster.db")
	}
	return run(context.Background(), os.Stdout, dbPath)
}

func run(ctx context.Context, w io.Writer, dbPath string) error {
	var roles []string
	for _, r := range policy.Roles() {
		roles = append(roles, r.Name)
	}
	fmt.Fprintf(w, "1. Policy: %d permissions, roles %s.\n", policy.Len(), strings.Join(roles, ", "))

	// Open the store and bring its schema up to date (idempotent).
	sqlDB, err := sql.Open("sqlite", sqlstore.SQLiteDSN(dbPath))
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	db, err := sqlstore.New(sqlDB, sqlstore.SQLite, store.Env{Policy: policy}, sqlstore.Options{})
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "2. Opened %s and migrated it.\n", dbPath)

	// Ada signs up: she creates the organisation and owns it. User IDs
	// and e-mails are the host's; a fresh organisation each run keeps them
	// unique.
	org, ada, err := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme",
		Owner: member.NewUser{UserID: "ada", Email: "ada@acme.example", Name: "Ada"}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "3. Ada created %q (%v) and owns it.\n", org.Name, org.ID)

	// Ada invites Bob as an editor. The token is shown once: e-mail the link.
	_, token, err := invite.Send(ctx, db, org.ID, ada.ID, invite.NewInvitation{Email: "bob@acme.example", Role: "editor"})
	if err != nil {
		return err
	}
	link, err := invite.Link("https://app.example.com/join", token)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "4. Ada invited bob@acme.example as editor: %s\n", link)

	// Bob follows the link, signed in as the host's user "bob".
	if _, err := invite.Accept(ctx, db, token, invite.Invitee{UserID: "bob", Email: "bob@acme.example", Name: "Bob"}); err != nil {
		return err
	}
	fmt.Fprintln(w, "5. Bob accepted and joined.")

	// On each request, load the member and check with one line.
	bob, err := db.MemberByUser(ctx, org.ID, "bob")
	if err != nil {
		return err
	}
	if !bob.Can(EditProducts) {
		return fmt.Errorf("Bob cannot edit products: %s", bob.Explain(EditProducts))
	}
	fmt.Fprintf(w, "6. Bob edits a product: Can(products.edit) = true\n   %s\n", bob.Explain(EditProducts))

	// Ada makes Bob a viewer; his next request sees the change.
	if _, err := member.ChangeRole(ctx, db, org.ID, ada.ID, bob.ID, "viewer"); err != nil {
		return err
	}
	if bob, err = db.MemberByUser(ctx, org.ID, "bob"); err != nil {
		return err
	}
	if err := expect(w, "7. Ada made Bob a viewer; Bob edits a product", &bob, EditProducts, false); err != nil {
		return err
	}

	// Ada deactivates Bob: he keeps his role but can do nothing.
	if _, err := member.Deactivate(ctx, db, org.ID, ada.ID, bob.ID); err != nil {
		return err
	}
	if bob, err = db.MemberByUser(ctx, org.ID, "bob"); err != nil {
		return err
	}
	if err := expect(w, "8. Ada deactivated Bob; Bob views a product", &bob, ViewProducts, false); err != nil {
		return err
	}

	// Ada reactivates Bob and hands him the organisation; she becomes
	// an admin (the policy's role with the most permissions).
	if _, err := member.Reactivate(ctx, db, org.ID, ada.ID, bob.ID); err != nil {
		return err
	}
	if err := member.TransferOwnership(ctx, db, org.ID, ada.ID, bob.ID); err != nil {
		return err
	}
	if bob, err = db.MemberByUser(ctx, org.ID, "bob"); err != nil {
		return err
	}
	if ada, err = db.MemberByUser(ctx, org.ID, "ada"); err != nil {
		return err
	}
	if !bob.IsOwner() || ada.Role != "admin" {
		return fmt.Errorf("after the transfer Bob is %q and Ada %q; want owner and admin", bob.Role, ada.Role)
	}
	fmt.Fprintf(w, "9. Ada reactivated Bob and transferred ownership: Bob is %s, Ada is %s.\n", bob.Role, ada.Role)

	// Every change wrote one audit event; Ada (admin, audit.read) reads them.
	events, err := member.AuditLog(ctx, db, org.ID, ada.ID, 0, 100)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "10. Audit log:")
	for _, e := range events {
		fmt.Fprintf(w, "   %d %-22s %s → %s\n", e.Seq, e.Type, e.Actor.Name, cmp.Or(e.Target.Name, e.Target.Email))
	}
	if len(events) != 7 {
		return fmt.Errorf("the audit log holds %d events, want 7", len(events))
	}
	fmt.Fprintln(w, "OK")
	return nil
}

// expect prints what Can answers for p and why, and fails unless it is want.
func expect(w io.Writer, what string, m *store.Member, p access.Permission, want bool) error {
	ok := m.Can(p)
	fmt.Fprintf(w, "%s: Can(%s) = %v\n   %s\n", what, policy.Name(p), ok, m.Explain(p))
	if ok != want {
		return fmt.Errorf("%s: Can(%s) = %v, want %v", what, policy.Name(p), ok, want)
	}
	return nil
}
