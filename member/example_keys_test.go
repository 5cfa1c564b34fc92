package member_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
)

// A key limited to some permissions holds no more than its member holds
// now: demoted, the member's key loses what the member lost.
func ExampleIssueKeyWith() {
	ctx := context.Background()
	spec := examplePolicy().Spec()
	spec.Gates[access.ManageKeys] = ManageMembers
	db, _ := memstore.New(store.Env{Policy: access.MustPolicy(spec)})
	org, ada, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme",
		Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	mia, _ := member.AddMember(ctx, db, org.ID, ada.ID, member.NewMember{
		NewUser: member.NewUser{UserID: "mia", Email: "mia@acme.io"}, Role: "manager"})

	k, secret, _ := member.IssueKeyWith(ctx, db, org.ID, ada.ID, mia.ID, member.KeySpec{
		Name: "catalogue sync", Perms: access.SetOf(ViewProducts, EditProducts), TTL: 30 * 24 * time.Hour})
	m, _, _ := member.Authenticate(ctx, db, secret)
	fmt.Println(k.Expires.Sub(k.Created), m.Can(EditProducts), m.Can(ManageMembers))

	_, _ = member.ChangeRole(ctx, db, org.ID, ada.ID, mia.ID, "viewer")
	m, _, _ = member.Authenticate(ctx, db, secret)
	fmt.Println(m.Can(ViewProducts), m.Can(EditProducts))
	// Output:
	// 720h0m0s true false
	// true false
}

// A service key belongs to the organisation, not to a person: it acts in
// its own name, and a rotation lets the old secret work for an overlap.
func ExampleIssueServiceKey() {
	ctx := context.Background()
	db, _ := memstore.New(store.Env{Policy: examplePolicy()}) // ManageServiceKeys ungated: the owner's alone
	org, ada, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme",
		Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})

	k, secret, _ := member.IssueServiceKey(ctx, db, org.ID, ada.ID, member.KeySpec{Name: "billing export", Perms: access.SetOf(ViewProducts)})
	p, _, _ := member.Authenticate(ctx, db, secret)
	fmt.Println(k.Service(), p.Can(ViewProducts), p.Can(EditProducts), p.Party().Kind())

	_, next, _ := member.RotateKey(ctx, db, org.ID, ada.ID, k.ID, time.Hour)
	_, _, errOld := member.Authenticate(ctx, db, secret)
	_, _, errNew := member.Authenticate(ctx, db, next)
	fmt.Println(errOld, errNew)
	// Output:
	// true true false key
	// <nil> <nil>
}
