// Command organization shows roster expressing MerchantOps' user management
// (seed 003): Owner, Admin, Editor and Viewer roles, invitations that expire
// after 7 days and can be resent or cancelled, the pending list, Admins who
// cannot make an Owner, a seat limit set by the plan, and the audit log.
//
//	go run ./examples/organization
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	// A clock the story moves forward, to let invitations expire.
	now := time.Date(2026, 5, 11, 9, 0, 0, 0, time.UTC)
	db, err := memstore.New(store.Env{Policy: policy, Now: func() time.Time { return now }})
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "1. Olga creates the organisation on a five-seat plan and invites an Admin.")
	org, olga, err := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme Goods", Owner: user("olga")})
	if err != nil {
		return err
	}
	if _, err := member.SetSeatLimit(ctx, db, org.ID, 5); err != nil { // the host, from the billing plan
		return err
	}
	_, token, err := invite.Send(ctx, db, org.ID, olga.ID, invite.NewInvitation{Email: user("adam").Email, Role: "admin"})
	if err != nil {
		return err
	}
	joined, err := invite.Accept(ctx, db, token, user("adam"))
	if err != nil {
		return err
	}
	adam := joined.Member

	fmt.Fprintln(w, "2. Adam invites an Editor, who joins, and two Viewers, who do not yet.")
	invites := map[string]store.Invitation{}
	tokens := map[string]string{}
	for _, p := range []struct{ name, role string }{{"eve", "editor"}, {"vic", "viewer"}, {"val", "viewer"}} {
		inv, tok, err := invite.Send(ctx, db, org.ID, adam.ID, invite.NewInvitation{Email: user(p.name).Email, Role: p.role})
		if err != nil {
			return err
		}
		invites[p.name], tokens[p.name] = inv, tok
	}
	joined, err = invite.Accept(ctx, db, tokens["eve"], user("eve"))
	if err != nil {
		return err
	}
	eve := joined.Member
	if err := expect(w, eve, true, EnrichProducts); err != nil {
		return err
	}
	if err := expect(w, eve, false, ManageAttributes); err != nil {
		return err
	}
	_, _, err = invite.Send(ctx, db, org.ID, adam.ID, invite.NewInvitation{Email: user("wes").Email, Role: "viewer"})
	if err := refused(w, "a sixth seat (3 members, 2 pending)", err, member.ErrSeatLimit); err != nil {
		return err
	}

	fmt.Fprintln(w, "3. Eight days later, the pending invitations have expired.")
	now = now.Add(8 * 24 * time.Hour)
	if err := printPending(ctx, w, db, org.ID, adam.ID); err != nil {
		return err
	}
	_, err = invite.Accept(ctx, db, tokens["vic"], user("vic"))
	if err := refused(w, "Vic follows his old link", err, invite.ErrExpired); err != nil {
		return err
	}

	fmt.Fprintln(w, "4. Adam resends Vic's invitation, which Vic accepts, and cancels Val's.")
	_, token, err = invite.Resend(ctx, db, org.ID, adam.ID, invites["vic"].ID)
	if err != nil {
		return err
	}
	joined, err = invite.Accept(ctx, db, token, user("vic"))
	if err != nil {
		return err
	}
	vic := joined.Member
	if err := invite.Cancel(ctx, db, org.ID, adam.ID, invites["val"].ID); err != nil {
		return err
	}
	if err := printPending(ctx, w, db, org.ID, adam.ID); err != nil {
		return err
	}

	fmt.Fprintln(w, "5. Only Owners and Admins change roles, and Admins cannot make an Owner.")
	_, err = member.ChangeRole(ctx, db, org.ID, eve.ID, vic.ID, "editor")
	if err := refused(w, "Eve (Editor) changes Vic's role", err, member.ErrForbidden); err != nil {
		return err
	}
	_, err = member.ChangeRole(ctx, db, org.ID, adam.ID, eve.ID, "owner")
	if err := refused(w, "Adam promotes Eve to Owner", err, member.ErrOwnerProtected); err != nil {
		return err
	}
	_, err = member.ChangeRole(ctx, db, org.ID, adam.ID, olga.ID, "admin")
	if err := refused(w, "Adam changes Olga's role", err, member.ErrOwnerProtected); err != nil {
		return err
	}
	if vic, err = member.ChangeRole(ctx, db, org.ID, adam.ID, vic.ID, "editor"); err != nil {
		return err
	}
	if err := expect(w, vic, true, EditProducts); err != nil {
		return err
	}

	fmt.Fprintln(w, "6. Adam removes Vic, who loses access at once; the audit log still names him.")
	if err := member.Remove(ctx, db, org.ID, adam.ID, vic.ID); err != nil {
		return err
	}
	_, err = db.MemberByUser(ctx, org.ID, vic.UserID)
	if err := refused(w, "Vic's next request", err, store.ErrNotFound); err != nil {
		return err
	}
	if adam.CanDo(access.ReadAudit) || !olga.CanDo(access.ReadAudit) {
		return errors.New("the audit log should be the Owner's to read")
	}

	fmt.Fprintln(w, "7. \"If you need to transfer ownership, contact our support team\": support makes Adam the Owner.")
	support := member.AsSystem(ctx, "support") // the support console's context, never a customer's request
	if err := member.TransferOwnership(support, db, org.ID, member.System, adam.ID); err != nil {
		return err
	}
	if adam, err = db.Member(ctx, org.ID, adam.ID); err != nil {
		return err
	}
	if !adam.IsOwner() {
		return errors.New("adam should own the organisation")
	}
	events, err := db.Events(ctx, org.ID, 0, 100)
	if err != nil {
		return err
	}
	if last := events[len(events)-1]; last.Type != store.OwnerTransferred || last.Actor.System != "support" {
		return fmt.Errorf("last event %s by %v, want an ownership transfer by support", last.Type, last.Actor)
	}
	for _, e := range events {
		actor, target := cmp.Or(e.Actor.Name, "(plan)"), cmp.Or(e.Target.Name, e.Target.Email)
		if e.Actor.IsSystem() {
			actor = e.Actor.String()
		}
		fmt.Fprintf(w, "   %2d %s %-24s %-6s → %s\n", e.Seq, e.Time.Format("Jan 02 15:04"), e.Type, actor, target)
	}
	fmt.Fprintln(w, "OK")
	return nil
}

// printPending prints the pending list, as actor sees it: e-mail, role,
// when sent, expiry.
func printPending(ctx context.Context, w io.Writer, db *memstore.Store, org, actor store.ID) error {
	pending, _, err := invite.ListPending(ctx, db, org, actor, store.Page{})
	if err != nil {
		return err
	}
	if len(pending) == 0 {
		fmt.Fprintln(w, "   pending: none")
	}
	for _, p := range pending {
		status := "expires " + p.Expires.Format("Jan 02")
		if p.Expired {
			status = "expired"
		}
		fmt.Fprintf(w, "   pending: %-18s %-7s sent %s, %s\n", p.Email, p.Role, p.Sent.Format("Jan 02"), status)
	}
	return nil
}

// user returns a user of the organisation.
func user(name string) member.NewUser {
	return member.NewUser{UserID: name, Email: name + "@acme.example", Name: name}
}

// expect checks that m may (or may not) do p, and prints why.
func expect(w io.Writer, m store.Member, want bool, p access.Permission) error {
	d := m.Explain(p)
	fmt.Fprintf(w, "   %s: %s\n", m.Name, d)
	if m.Can(p) != want {
		return fmt.Errorf("%s (%s) on %q: %s; want allowed=%v", m.Name, m.Role, policy.Name(p), d, want)
	}
	return nil
}

// refused checks that err is the refusal want, and prints it.
func refused(w io.Writer, what string, err, want error) error {
	if !errors.Is(err, want) {
		return fmt.Errorf("%s: got %v, want %v", what, err, want)
	}
	fmt.Fprintf(w, "   refused: %s: %v\n", what, err)
	return nil
}
