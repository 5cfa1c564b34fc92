// Command collaborators shows roster expressing Pelcro's collaborators (seed
// 000): an account owner and Admin, Support, Sales Rep and Agency
// collaborators, access per site, API keys that survive a deactivation but
// not a deletion (limited to some permissions, expiring, rotated), an
// account key tied to no collaborator, a profile field for one role, and
// enterprise custom permissions, gated by the host's plan (plan.go says
// why the host gates).
//
// Every collaborator here works on the EU site, so every check names the
// request's site: m.CanIn(p, "site:eu") and m.Explain(p, "site:eu"). A
// site-limited member fails closed: m.Can(p), which does not know where the
// request acts, answers false for every permission, and m.Explain(p)
// denies with reason access.ScopeLimited.
//
//	go run ./examples/collaborators
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rosterhq/roster/access"
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
	eu := access.MustScopes("site:eu")

	fmt.Fprintln(w, "1. The account owner opens the account and adds an admin for the EU site.")
	org, owner, err := member.CreateOrg(ctx, db, member.NewOrg{Name: "Daily Planet", Owner: user("lois")})
	if err != nil {
		return err
	}
	perry, err := member.AddMember(ctx, db, org.ID, owner.ID, member.NewMember{NewUser: user("perry"), Role: "admin", Scopes: eu})
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "2. The admin creates collaborators directly, on the EU site; the Sales Rep gets a commission.")
	commission, err := store.NewProfile(map[string]string{"commission_pct": "12.5"})
	if err != nil {
		return err
	}
	add := func(name, role string, prof store.Profile) (store.Member, error) {
		return member.AddMember(ctx, db, org.ID, perry.ID, member.NewMember{NewUser: user(name), Role: role, Scopes: eu, Profile: prof})
	}
	clark, err := add("clark", "support", store.Profile{})
	if err != nil {
		return err
	}
	jimmy, err := add("jimmy", "sales_rep", commission)
	if err != nil {
		return err
	}
	cat, err := add("cat", "agency", store.Profile{})
	if err != nil {
		return err
	}
	pct, _ := jimmy.Profile.Get("commission_pct")
	fmt.Fprintf(w, "   %s (sales_rep) earns %s%% commission\n", jimmy.Name, pct)
	_, err = member.UpdateProfile(ctx, db, org.ID, perry.ID, clark.ID, clark.Name, commission)
	if err := refused(w, "a commission for a Support collaborator", err, store.ErrInvalid); err != nil {
		return err
	}
	_, err = member.AddMember(ctx, db, org.ID, perry.ID, member.NewMember{NewUser: user("ron"), Role: "support",
		Scopes: access.MustScopes("site:us")})
	if err := refused(w, "the EU admin adds a collaborator to the US site", err, member.ErrEscalation); err != nil {
		return err
	}

	fmt.Fprintln(w, "3. Each role's permissions apply on its sites only: a check names the request's site.")
	for _, c := range []struct {
		m     store.Member
		want  bool
		perm  access.Permission
		scope []string
	}{
		{clark, true, ManageSubscriptions, []string{"site:eu"}},
		{clark, false, ManageSubscriptions, []string{"site:us"}},
		{clark, false, PerformRefunds, []string{"site:eu"}},
		{jimmy, true, ExportData, []string{"site:eu"}},
		{cat, true, ImportData, []string{"site:eu"}},
		{cat, false, ListProducts, []string{"site:eu"}},
	} {
		if err := expect(w, c.m, c.want, c.perm, c.scope...); err != nil {
			return err
		}
	}
	// Without the request's site, a check on a site-limited collaborator
	// fails closed, even for a permission its role holds.
	if err := failsClosed(w, clark, ManageSubscriptions); err != nil {
		return err
	}
	err = member.Remove(ctx, db, org.ID, clark.ID, cat.ID)
	if err := refused(w, "Support deletes a collaborator", err, member.ErrForbidden); err != nil {
		return err
	}

	fmt.Fprintln(w, "4. The admin generates an API key for the Sales Rep's CRM integration, for exporting only and for")
	fmt.Fprintln(w, "   90 days, then marks him inactive.")
	crm, secret, err := member.IssueKeyWith(ctx, db, org.ID, perry.ID, jimmy.ID,
		member.KeySpec{Name: "crm-sync", Perms: access.SetOf(ExportData), TTL: 90 * 24 * time.Hour})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   key %s… expires %s\n", crm.Prefix, crm.Expires.Sub(crm.Created))
	_, err = member.Deactivate(ctx, db, org.ID, clark.ID, jimmy.ID)
	if err := refused(w, "Support changes a collaborator's status", err, member.ErrForbidden); err != nil {
		return err
	}
	if jimmy, err = member.Deactivate(ctx, db, org.ID, perry.ID, jimmy.ID); err != nil {
		return err
	}
	if err := expect(w, jimmy, false, ListProducts, "site:eu"); err != nil { // he can no longer log in…
		return err
	}
	viaKey, _, err := member.Authenticate(ctx, db, secret) // …but his integration keeps working
	if err != nil {
		return fmt.Errorf("the key of an inactive collaborator: %w", err)
	}
	if err := expect(w, viaKey, true, ExportData, "site:eu"); err != nil {
		return err
	}
	if err := expect(w, viaKey, false, ListProducts, "site:eu"); err != nil { // the key holds less than he does
		return err
	}

	fmt.Fprintln(w, "5. The collaborators list: name, e-mail, role, sites and status.")
	list, _, err := db.Members(ctx, org.ID, store.Filter{}, store.Page{})
	if err != nil {
		return err
	}
	for _, m := range list {
		fmt.Fprintf(w, "   %-6s %-26s %-9s %-9s %s\n", m.Name, m.Email, m.Role, m.Scopes, m.Status)
	}
	if jimmy, err = member.Reactivate(ctx, db, org.ID, perry.ID, jimmy.ID); err != nil {
		return err
	}
	if err := expect(w, jimmy, true, ListProducts, "site:eu"); err != nil {
		return err
	}

	fmt.Fprintln(w, "6. Enterprise: the owner lets Support export data and withdraws its AI Agent chat.")
	// The plan is the host's to gate (plan.go): on Professional the same
	// call is refused with ErrPlan before roster is asked.
	if _, err := customise(ctx, db, Professional, org.ID, owner.ID, clark.ID, access.SetOf(ExportData), access.Set{}); !errors.Is(err, ErrPlan) {
		return fmt.Errorf("custom permissions on Professional: %v, want ErrPlan", err)
	}
	if clark, err = customise(ctx, db, Enterprise, org.ID, owner.ID, clark.ID,
		access.SetOf(ExportData), access.SetOf(UseAIAgent)); err != nil {
		return err
	}
	if err := expect(w, clark, true, ExportData, "site:eu"); err != nil {
		return err
	}
	if err := expect(w, clark, false, UseAIAgent, "site:eu"); err != nil {
		return err
	}

	fmt.Fprintln(w, "7. The admin deletes the Sales Rep: his record goes, and his API key with it.")
	if err := member.Remove(ctx, db, org.ID, perry.ID, jimmy.ID); err != nil {
		return err
	}
	_, _, err = member.Authenticate(ctx, db, secret)
	if err := refused(w, "the deleted collaborator's API key", err, store.ErrNotFound); err != nil {
		return err
	}

	fmt.Fprintln(w, "8. The owner issues an account key for the nightly export, tied to no collaborator; it is")
	fmt.Fprintln(w, "   rotated with an hour's overlap, then the old secret is revoked.")
	_, _, err = member.IssueServiceKey(ctx, db, org.ID, perry.ID, member.KeySpec{Name: "nightly-export", Perms: access.SetOf(ExportData)})
	if err := refused(w, "an EU admin issues an account key, which reaches every site", err, member.ErrEscalation); err != nil {
		return err
	}
	nightly, nsecret, err := member.IssueServiceKey(ctx, db, org.ID, owner.ID, member.KeySpec{Name: "nightly-export", Perms: access.SetOf(ExportData)})
	if err != nil {
		return err
	}
	job, _, err := member.Authenticate(ctx, db, nsecret)
	if err != nil {
		return err
	}
	if err := expect(w, job, true, ExportData, "site:eu"); err != nil {
		return err
	}
	if err := expect(w, job, false, ImportData, "site:eu"); err != nil {
		return err
	}
	_, next, err := member.RotateKey(ctx, db, org.ID, owner.ID, nightly.ID, time.Hour)
	if err != nil {
		return err
	}
	for _, sec := range []string{nsecret, next} {
		if _, _, err := member.Authenticate(ctx, db, sec); err != nil {
			return fmt.Errorf("during the overlap: %w", err)
		}
	}
	if err := member.RevokeKey(ctx, db, org.ID, owner.ID, nightly.ID); err != nil {
		return err
	}
	_, _, err = member.Authenticate(ctx, db, nsecret)
	if err := refused(w, "the rotated key's old secret, revoked", err, store.ErrNotFound); err != nil {
		return err
	}
	events, err := db.Events(ctx, org.ID, 0, 0)
	if err != nil {
		return err
	}
	last := events[len(events)-1]
	fmt.Fprintf(w, "   audit: %s by %s %s on %s %q\n", last.Type, last.Actor.Kind(), last.Actor.Name, last.Target.Kind(), last.Target.Name)
	fmt.Fprintln(w, "OK")
	return nil
}

// user returns a user of the newsroom.
func user(name string) member.NewUser {
	return member.NewUser{UserID: name, Email: name + "@dailyplanet.example", Name: name}
}

// expect checks that m may (or may not) do p in scopes, and prints why. A
// check on a site-limited member names the request's site in scopes.
func expect(w io.Writer, m store.Member, want bool, p access.Permission, scopes ...string) error {
	d := m.Explain(p, scopes...)
	who := m.Name
	if len(scopes) > 0 {
		who += " in " + strings.Join(scopes, ", ")
	}
	fmt.Fprintf(w, "   %-16s %s\n", who+":", d)
	if m.CanIn(p, scopes...) != want || d.Allowed != want {
		return fmt.Errorf("%s (%s) on %q in %v: %s; want allowed=%v", m.Name, m.Role, policy.Name(p), scopes, d, want)
	}
	return nil
}

// failsClosed checks that m, limited to its sites, is denied p when the
// check names no site (Can, and Explain with reason ScopeLimited), though it
// holds p on each of its sites; and prints why.
func failsClosed(w io.Writer, m store.Member, p access.Permission) error {
	d := m.Explain(p)
	fmt.Fprintf(w, "   %-16s %s\n", m.Name+", no site:", d)
	if m.Can(p) || d.Allowed || d.Reason != access.ScopeLimited {
		return fmt.Errorf("%s (%s) on %q with no site: %s; want denied as scope-limited", m.Name, m.Role, policy.Name(p), d)
	}
	for site := range m.Scopes.All() {
		if !m.CanIn(p, site) {
			return fmt.Errorf("%s (%s) on %q in %s: %s; want allowed", m.Name, m.Role, policy.Name(p), site, m.Explain(p, site))
		}
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
