// Command accessrequest shows roster expressing a Shopify collaborator
// request (seed 002): a support agent from outside asks for access with a
// set of permissions, the store owner narrows and accepts it (or refuses),
// an optional four-digit security code guards the store, permissions are
// adjusted later, the access lasts a week and ends by itself (or is removed
// at any time), and collaborators take no staff seat.
//
//	go run ./examples/accessrequest
package main

import (
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
	// The clock is the host's; this walkthrough moves it by a week.
	now := time.Now()
	db, err := memstore.New(store.Env{Policy: policy, Now: func() time.Time { return now }})
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "1. Sam's store is on a plan with three staff accounts, all taken.")
	org, sam, err := member.CreateOrg(ctx, db, member.NewOrg{Name: "Pickle Shop",
		Owner: member.NewUser{UserID: "sam", Email: "sam@pickle.example", Name: "Sam"}})
	if err != nil {
		return err
	}
	if _, err := member.SetSeatLimit(ctx, db, org.ID, 3); err != nil { // the host, when the plan is chosen
		return err
	}
	for _, name := range []string{"sue", "stan"} {
		_, err := member.AddMember(ctx, db, org.ID, sam.ID, member.NewMember{Role: "staff",
			NewUser: member.NewUser{UserID: name, Email: name + "@pickle.example", Name: name}})
		if err != nil {
			return err
		}
	}

	fmt.Fprintln(w, "2. Sam turns on the four-digit security code.")
	if err := invite.SetCode(ctx, db, org.ID, sam.ID, "4821"); err != nil {
		return err
	}

	fmt.Fprintln(w, "3. A Pixel Union agent asks for full permissions; the store cannot be reached without the code.")
	agent := member.NewUser{UserID: "pu-alex", Email: "alex@pixelunion.example", Name: "Alex"}
	const ticket = "Ticket #1042: the theme header is broken"
	_, err = invite.RequestAccess(ctx, db, org.ID, agent, policy.All(), ticket, "")
	if err := refused(w, "a request without the code", err, invite.ErrCodeRequired); err != nil {
		return err
	}
	_, err = invite.RequestAccess(ctx, db, org.ID, agent, policy.All(), ticket, "1234")
	if err := refused(w, "a request with a wrong code", err, invite.ErrWrongCode); err != nil {
		return err
	}
	if _, err := invite.RequestAccess(ctx, db, org.ID, agent, policy.All(), ticket, "4821"); err != nil {
		return err
	}

	fmt.Fprintln(w, "4. Sam reviews the request, narrows it to themes and products, and accepts it for a week.")
	open, _, err := db.Requests(ctx, org.ID, store.Asked, store.Page{})
	if err != nil {
		return err
	}
	if len(open) != 1 {
		return fmt.Errorf("%d requests to review, want 1", len(open))
	}
	req := open[0]
	asked, _ := policy.Names(req.Perms)
	fmt.Fprintf(w, "   %s <%s> asks for %v: %q\n", req.Name, req.Email, asked, req.Message)
	week := now.Add(7 * 24 * time.Hour)
	alex, err := invite.ApproveUntil(ctx, db, org.ID, sam.ID, req.ID, access.SetOf(EditThemes, ViewProducts, EditProducts), week)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   %s's access ends on %s\n", alex.Name, alex.Until.Format(time.DateOnly))
	if err := expect(w, alex, true, EditThemes); err != nil {
		return err
	}
	if err := expect(w, alex, false, ViewCustomers); err != nil {
		return err
	}

	fmt.Fprintln(w, "5. The collaborator took no staff seat: the three are still taken, by staff.")
	staff, _, err := db.Members(ctx, org.ID, store.Filter{Kind: store.Staff}, store.Page{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   %d staff accounts, and %s as %s collaborator\n", len(staff), alex.Name, alex.Kind)
	_, err = member.AddMember(ctx, db, org.ID, sam.ID, member.NewMember{Role: "staff",
		NewUser: member.NewUser{UserID: "sky", Email: "sky@pickle.example"}})
	if err := refused(w, "a fourth staff account", err, member.ErrSeatLimit); err != nil {
		return err
	}

	fmt.Fprintln(w, "6. The agent needs the orders too: Sam adjusts the permissions in the account settings.")
	if alex, err = member.SetPermissions(ctx, db, org.ID, sam.ID, alex.ID, alex.Allow.With(ViewOrders), access.Set{}); err != nil {
		return err
	}
	if err := expect(w, alex, true, ViewOrders); err != nil {
		return err
	}

	fmt.Fprintln(w, "7. A week later the agent's access has ended by itself: no job had to run.")
	now = week
	if alex, err = db.MemberByUser(ctx, org.ID, agent.UserID); err != nil {
		return err
	}
	if err := expect(w, alex, false, ViewOrders); err != nil {
		return err
	}
	// A worker's sweep writes the end to the audit log, once.
	if n, err := member.ExpireDue(ctx, db, 100); err != nil || n != 1 {
		return fmt.Errorf("the sweep recorded %d ends (%v), want 1", n, err)
	}
	evs, err := db.Events(ctx, org.ID, 0, 100)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   audit log: %s %s\n", evs[len(evs)-1].Type, evs[len(evs)-1].Target.Name)

	fmt.Fprintln(w, "8. A new issue: Sam extends the access by three days, and it is back as it was.")
	if alex, err = member.SetExpiry(ctx, db, org.ID, sam.ID, alex.ID, now.Add(3*24*time.Hour)); err != nil {
		return err
	}
	if err := expect(w, alex, true, ViewOrders); err != nil {
		return err
	}

	fmt.Fprintln(w, "9. The issue is solved; Sam removes the collaborator account.")
	if err := member.Remove(ctx, db, org.ID, sam.ID, alex.ID); err != nil {
		return err
	}
	_, err = db.MemberByUser(ctx, org.ID, agent.UserID)
	if err := refused(w, "the agent's next request", err, store.ErrNotFound); err != nil {
		return err
	}

	fmt.Fprintln(w, "10. A request Sam did not expect is refused.")
	other, err := invite.RequestAccess(ctx, db, org.ID, member.NewUser{UserID: "x", Email: "x@unknown.example"},
		access.SetOf(ViewCustomers), "", "4821")
	if err != nil {
		return err
	}
	if err := invite.Refuse(ctx, db, org.ID, sam.ID, other.ID); err != nil {
		return err
	}
	_, err = db.MemberByUser(ctx, org.ID, "x")
	if err := refused(w, "the refused requester", err, store.ErrNotFound); err != nil {
		return err
	}
	fmt.Fprintln(w, "OK")
	return nil
}

// expect checks that m may (or may not) do p, and prints why.
func expect(w io.Writer, m store.Member, want bool, p access.Permission) error {
	d := m.Explain(p)
	fmt.Fprintf(w, "   %s: %s\n", m.Name, d)
	if m.Can(p) != want {
		return fmt.Errorf("%s on %q: %s; want allowed=%v", m.Name, policy.Name(p), d, want)
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
