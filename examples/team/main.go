// Command team shows roster expressing Pickler's team (seed 001): one Owner,
// Managers who manage everyone but the Owner, Members who cannot change
// their own role, invitations by e-mail, and removal that revokes access at
// once.
//
//	go run ./examples/team
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

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
	db, err := memstore.New(store.Env{Policy: policy})
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "1. Olivia signs up and owns the company; she invites a Manager, who invites two Members.")
	org, olivia, err := member.CreateOrg(ctx, db, member.NewOrg{Name: "Brine & Co", Owner: user("olivia")})
	if err != nil {
		return err
	}
	// join sends an invitation from by and accepts it, as the e-mail's link would.
	join := func(by store.Member, name, role string) (store.Member, error) {
		u := user(name)
		_, token, err := invite.Send(ctx, db, org.ID, by.ID, invite.NewInvitation{Email: u.Email, Role: role})
		if err != nil {
			return store.Member{}, err
		}
		a, err := invite.Accept(ctx, db, token, u)
		return a.Member, err
	}
	mark, err := join(olivia, "mark", "manager")
	if err != nil {
		return err
	}
	mia, err := join(mark, "mia", "member")
	if err != nil {
		return err
	}
	max, err := join(mark, "max", "member")
	if err != nil {
		return err
	}
	for _, c := range []struct {
		m    store.Member
		want bool
		perm access.Permission
	}{
		{mia, true, EditScenarios},
		{mia, true, ShareInventory},
		{mia, false, EditCompanyData},
		{mark, true, EditCompanyData},
		{mark, false, DeleteCompanyData},
		{olivia, true, DeleteCompanyData},
	} {
		if err := expect(w, c.m, c.want, c.perm); err != nil {
			return err
		}
	}

	fmt.Fprintln(w, "2. Only Owners and Managers change roles, never their own.")
	_, err = member.ChangeRole(ctx, db, org.ID, mia.ID, mia.ID, "manager")
	if err := refused(w, "Mia makes herself a Manager", err, member.ErrForbidden); err != nil {
		return err
	}
	_, err = member.ChangeRole(ctx, db, org.ID, mark.ID, mark.ID, "member")
	if err := refused(w, "Mark changes his own role", err, member.ErrSelf); err != nil {
		return err
	}
	if _, err := member.ChangeRole(ctx, db, org.ID, mark.ID, max.ID, "manager"); err != nil {
		return err
	}
	if max, err = db.MemberByUser(ctx, org.ID, max.UserID); err != nil { // the change takes effect immediately
		return err
	}
	if err := expect(w, max, true, AssignRoles); err != nil {
		return err
	}

	fmt.Fprintln(w, "3. Managers manage everyone but the Owner.")
	_, err = member.ChangeRole(ctx, db, org.ID, mark.ID, max.ID, "owner")
	if err := refused(w, "Mark makes Max the Owner", err, member.ErrOwnerProtected); err != nil {
		return err
	}
	_, err = member.ChangeRole(ctx, db, org.ID, mark.ID, olivia.ID, "member")
	if err := refused(w, "Mark demotes Olivia", err, member.ErrOwnerProtected); err != nil {
		return err
	}
	err = member.Remove(ctx, db, org.ID, mark.ID, olivia.ID)
	if err := refused(w, "Mark removes Olivia", err, member.ErrOwnerProtected); err != nil {
		return err
	}
	err = member.TransferOwnership(ctx, db, org.ID, mark.ID, max.ID)
	if err := refused(w, "Mark hands ownership to Max", err, member.ErrForbidden); err != nil {
		return err
	}

	fmt.Fprintln(w, "4. Mark removes Mia: her access ends with her next request.")
	if err := member.Remove(ctx, db, org.ID, mark.ID, mia.ID); err != nil {
		return err
	}
	_, err = db.MemberByUser(ctx, org.ID, mia.UserID) // what every request loads
	if err := refused(w, "Mia's next request", err, store.ErrNotFound); err != nil {
		return err
	}

	fmt.Fprintln(w, "5. \"To transfer ownership, please contact Pickler Support\": support makes Mark the Owner;")
	fmt.Fprintln(w, "   Olivia becomes a Manager, the company still has one Owner, and the log names support.")
	support := member.AsSystem(ctx, "support") // the support console's context, never a user's request
	if err := member.TransferOwnership(support, db, org.ID, member.System, mark.ID); err != nil {
		return err
	}
	evs, err := member.AuditLog(ctx, db, org.ID, mark.ID, 0, 0)
	if err != nil {
		return err
	}
	last := evs[len(evs)-1]
	if last.Type != store.OwnerTransferred || last.Actor.System != "support" {
		return fmt.Errorf("last event %s by %v, want an ownership transfer by support", last.Type, last.Actor)
	}
	fmt.Fprintf(w, "   audit: %s by %s, to %s\n", last.Type, last.Actor, last.Target)
	team, _, err := db.Members(ctx, org.ID, store.Filter{}, store.Page{})
	if err != nil {
		return err
	}
	owners := 0
	for _, m := range team {
		fmt.Fprintf(w, "   %-7s %s\n", m.Name, m.Role)
		if m.IsOwner() {
			owners++
		}
	}
	if owners != 1 {
		return fmt.Errorf("%d owners, want 1", owners)
	}
	fmt.Fprintln(w, "OK")
	return nil
}

// user returns a user of the company.
func user(name string) member.NewUser {
	return member.NewUser{UserID: name, Email: name + "@brine.example", Name: name}
}

// expect checks that m may (or may not) do p, and prints why.
func expect(w io.Writer, m store.Member, want bool, p access.Permission) error {
	d := m.Explain(p)
	fmt.Fprintf(w, "   %-7s %s\n", m.Name+":", d)
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
