// Command partners shows roster expressing Stackcess' team and partner
// settings (seed 004): baseline roles adjusted per module (Products, Assets,
// Share Links), access scoped by market and by set, pending invitations
// whose link can be copied again, and partner organisations whose access is
// changed, suspended, resumed, ends by itself at a contract's date, and is
// revoked.
//
// Ed and the partner are limited to markets and sets, so every check on
// them names the request's scope: g.CanIn(p, "market:de", "set:summer") and
// g.Explain(p, "market:de", "set:summer"). A scope-limited grant fails
// closed: g.Can(p), which does not know where the request acts, answers
// false for every permission, and g.Explain(p) denies with reason
// access.ScopeLimited.
//
//	go run ./examples/partners
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
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
	// The link key keeps invitation tokens sealed, so that links can be
	// copied again. A host loads it from its secrets.
	linkKey := make([]byte, 32)
	if _, err := rand.Read(linkKey); err != nil {
		return err
	}
	// The clock is the host's; this walkthrough moves it to a contract's end.
	now := time.Now()
	db, err := memstore.New(store.Env{Policy: policy, LinkKey: linkKey, Now: func() time.Time { return now }})
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "1. Nora opens the Northwind workspace; Ada joins as admin.")
	org, nora, err := member.CreateOrg(ctx, db, member.NewOrg{Name: "Northwind Outdoor", Owner: user("nora", "northwind")})
	if err != nil {
		return err
	}
	_, token, err := invite.Send(ctx, db, org.ID, nora.ID, invite.NewInvitation{Email: user("ada", "northwind").Email, Role: "admin"})
	if err != nil {
		return err
	}
	joined, err := invite.Accept(ctx, db, token, user("ada", "northwind"))
	if err != nil {
		return err
	}
	ada := joined.Member

	fmt.Fprintln(w, "2. Ada invites Ed: editor, assets and share links view-only, market DE, summer set.")
	if _, _, err := invite.Send(ctx, db, org.ID, ada.ID, invite.NewInvitation{
		Email:  user("ed", "northwind").Email,                // Who
		Role:   "editor",                                     // … with a baseline role
		Deny:   access.SetOf(EditAssets, EditLinks),          // Access, per module
		Scopes: access.MustScopes("market:de", "set:summer"), // Scope
	}); err != nil {
		return err
	}
	temp, _, err := invite.Send(ctx, db, org.ID, ada.ID, invite.NewInvitation{Email: "temp@agency.example", Role: "viewer"})
	if err != nil {
		return err
	}
	if err := invite.Cancel(ctx, db, org.ID, ada.ID, temp.ID); err != nil { // no longer needed
		return err
	}

	fmt.Fprintln(w, "3. Ed lost the e-mail: Ada copies the link from the pending list, and Ed joins with it.")
	pending, _, err := invite.ListPending(ctx, db, org.ID, ada.ID, store.Page{})
	if err != nil {
		return err
	}
	if len(pending) != 1 {
		return fmt.Errorf("%d pending invitations, want Ed's alone", len(pending))
	}
	link, err := invite.CopyLink(ctx, db, org.ID, ada.ID, pending[0].ID, "https://app.stackcess.example/join")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   %s (%s, %v): %.60s…\n", pending[0].Email, pending[0].Role, pending[0].Scopes, link)
	u, err := url.Parse(link)
	if err != nil {
		return err
	}
	joined, err = invite.Accept(ctx, db, u.Query().Get("token"), user("ed", "northwind"))
	if err != nil {
		return err
	}
	ed := joined.Member
	for _, c := range []struct {
		want   bool
		perm   access.Permission
		scopes []string
	}{
		{true, EditProducts, []string{"market:de", "set:summer"}},
		{false, EditProducts, []string{"market:fr"}},
		{false, EditProducts, []string{"set:winter"}},
		{true, ViewAssets, []string{"market:de", "set:summer"}},
		{false, EditAssets, []string{"market:de", "set:summer"}},
	} {
		if err := expect(w, ed.Name, ed.Grant(), c.want, c.perm, c.scopes...); err != nil {
			return err
		}
	}
	// Without the request's scope, a check on Ed fails closed, even for a
	// permission he holds in his market and set.
	if err := failsClosed(w, ed.Name, ed.Grant(), ViewAssets, "market:de", "set:summer"); err != nil {
		return err
	}

	fmt.Fprintln(w, "4. Ada lets Ed edit assets and work in France too: no new invitation needed.")
	if _, err := member.SetPermissions(ctx, db, org.ID, ada.ID, ed.ID, access.Set{}, access.SetOf(EditLinks)); err != nil {
		return err
	}
	if _, err := member.SetScopes(ctx, db, org.ID, ada.ID, ed.ID, access.MustScopes("market:de", "market:fr", "set:summer")); err != nil {
		return err
	}
	if ed, err = db.MemberByUser(ctx, org.ID, ed.UserID); err != nil {
		return err
	}
	if err := expect(w, ed.Name, ed.Grant(), true, EditAssets, "market:fr", "set:summer"); err != nil {
		return err
	}

	fmt.Fprintln(w, "5. Ada invites Alpine Retail as a partner: viewer of the summer set in Germany, until the contract ends.")
	alpine, rita, err := member.CreateOrg(ctx, db, member.NewOrg{Name: "Alpine Retail", Owner: user("rita", "alpine")})
	if err != nil {
		return err
	}
	rex, err := member.AddMember(ctx, db, alpine.ID, rita.ID, member.NewMember{NewUser: user("rex", "alpine"), Role: "viewer"})
	if err != nil {
		return err
	}
	contract := now.Add(90 * 24 * time.Hour) // the contract's end date
	_, token, err = invite.InvitePartner(ctx, db, org.ID, ada.ID, invite.NewPartner{Email: rita.Email, Level: "viewer",
		Scopes: access.MustScopes("market:de", "set:summer"), Until: contract})
	if err != nil {
		return err
	}
	ps, err := invite.AcceptPartner(ctx, db, token, alpine.ID, rita.ID) // Rita, for Alpine
	if err != nil {
		return err
	}
	// partner checks what Rex, Alpine's buyer, may do in Northwind.
	partner := func(want bool, p access.Permission, scopes ...string) error {
		g, err := invite.Grant(ctx, db, org.ID, rex.UserID)
		if err != nil {
			return err
		}
		return expect(w, rex.Name, g, want, p, scopes...)
	}
	if err := partner(true, ViewProducts, "market:de", "set:summer"); err != nil {
		return err
	}
	if err := partner(false, ViewProducts, "set:winter"); err != nil {
		return err
	}
	if err := partner(false, EditProducts, "market:de", "set:summer"); err != nil {
		return err
	}
	rexGrant, err := invite.Grant(ctx, db, org.ID, rex.UserID) // a partner's grant fails closed too
	if err != nil {
		return err
	}
	if err := failsClosed(w, rex.Name, rexGrant, ViewProducts, "market:de", "set:summer"); err != nil {
		return err
	}

	fmt.Fprintln(w, "6. Ada raises Alpine to editor, adds the winter set, suspends, then resumes.")
	level := "editor"
	if _, err := invite.ChangePartner(ctx, db, org.ID, ada.ID, ps.ID, invite.PartnerChange{Level: &level}); err != nil {
		return err
	}
	if err := partner(true, EditProducts, "market:de"); err != nil {
		return err
	}
	sets := access.MustScopes("market:de", "set:summer", "set:winter")
	if _, err := invite.ChangePartner(ctx, db, org.ID, ada.ID, ps.ID, invite.PartnerChange{Scopes: &sets}); err != nil {
		return err
	}
	if err := partner(true, ViewProducts, "set:winter"); err != nil {
		return err
	}
	if _, err := invite.ChangePartner(ctx, db, org.ID, ada.ID, ps.ID, invite.PartnerChange{Status: store.PartnerSuspended}); err != nil {
		return err
	}
	if err := partner(false, ViewProducts, "set:summer"); err != nil {
		return err
	}
	if _, err := invite.ChangePartner(ctx, db, org.ID, ada.ID, ps.ID, invite.PartnerChange{Status: store.PartnerActive}); err != nil {
		return err
	}
	if err := partner(true, ViewProducts, "set:winter"); err != nil { // exactly as before
		return err
	}

	fmt.Fprintln(w, "7. The contract date passes: Alpine's access ends by itself, and a sweep logs it in both workspaces.")
	now = contract
	if err := partner(false, ViewProducts, "market:de", "set:summer"); err != nil {
		return err
	}
	if n, err := member.ExpireDue(ctx, db, 100); err != nil || n != 1 {
		return fmt.Errorf("the sweep recorded %d ends (%v), want 1", n, err)
	}
	for _, o := range []store.Org{org, alpine} {
		evs, err := db.Events(ctx, o.ID, 0, store.MaxPageSize)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "   audit log of %s: %s\n", o.Name, evs[len(evs)-1].Type)
	}

	fmt.Fprintln(w, "8. The ended partnership is kept until Ada revokes it.")
	if err := invite.RevokePartner(ctx, db, org.ID, ada.ID, ps.ID); err != nil {
		return err
	}
	_, err = invite.Grant(ctx, db, org.ID, rex.UserID)
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("after the revocation: got %v, want ErrNotFound", err)
	}
	fmt.Fprintf(w, "   refused: %s after the revocation: %v\n", rex.Name, err)
	fmt.Fprintln(w, "OK")
	return nil
}

// user returns a user of the organisation at domain.
func user(name, domain string) member.NewUser {
	return member.NewUser{UserID: name, Email: name + "@" + domain + ".example", Name: name}
}

// expect checks that g allows (or not) p in scopes, and prints why. A
// check on a scope-limited grant names the request's scopes.
func expect(w io.Writer, who string, g access.Grant, want bool, p access.Permission, scopes ...string) error {
	d := g.Explain(p, scopes...)
	if len(scopes) > 0 {
		who += " in " + strings.Join(scopes, ", ")
	}
	fmt.Fprintf(w, "   %s: %s\n", who, d)
	if g.CanIn(p, scopes...) != want || d.Allowed != want {
		return fmt.Errorf("%s on %q in %v: %s; want allowed=%v", who, policy.Name(p), scopes, d, want)
	}
	return nil
}

// failsClosed checks that g, limited by its scopes, is denied p when the
// check names no scope (Can, and Explain with reason ScopeLimited), though
// it allows p in scopes; and prints why.
func failsClosed(w io.Writer, who string, g access.Grant, p access.Permission, scopes ...string) error {
	d := g.Explain(p)
	fmt.Fprintf(w, "   %s, no scope: %s\n", who, d)
	if g.Can(p) || d.Allowed || d.Reason != access.ScopeLimited {
		return fmt.Errorf("%s on %q with no scope: %s; want denied as scope-limited", who, policy.Name(p), d)
	}
	if !g.CanIn(p, scopes...) {
		return fmt.Errorf("%s on %q in %v: %s; want allowed", who, policy.Name(p), scopes, g.Explain(p, scopes...))
	}
	return nil
}
