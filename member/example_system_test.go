package member_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
)

// The host acts as a named system principal: its support team transfers
// an ownership when the owner cannot, and its SCIM integration removes a
// user everywhere, naming who takes over what the user owned. The audit
// log names the system.
func ExampleAsSystem() {
	ctx := context.Background()
	db, _ := memstore.New(store.Env{Policy: examplePolicy()})
	org, ada, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme",
		Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io", Name: "Ada"}})
	mia, _ := member.AddMember(ctx, db, org.ID, ada.ID, member.NewMember{
		NewUser: member.NewUser{UserID: "mia", Email: "mia@acme.io", Name: "Mia"}, Role: "manager"})
	_, _ = member.AddMember(ctx, db, org.ID, ada.ID, member.NewMember{
		NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io", Name: "Bob"}, Role: "editor"})

	// The support console, never an end user's request, makes the context.
	support := member.AsSystem(ctx, "support")
	fmt.Println("support removes the owner:", member.Remove(support, db, org.ID, member.System, ada.ID))
	fmt.Println("support transfers to Mia:", member.TransferOwnership(support, db, org.ID, member.System, mia.ID))

	scim := member.AsSystem(ctx, "scim")
	_, err := member.Deprovision(scim, db, "mia", nil)
	var owns *member.OrgsError
	fmt.Println("scim deprovisions Mia:", errors.As(err, &owns) && errors.Is(err, member.ErrOwnerProtected), len(owns.Orgs))
	done, err := member.Deprovision(scim, db, "mia", map[store.ID]string{org.ID: "bob"})
	fmt.Println("scim deprovisions Mia, Bob succeeding:", err, len(done))

	evs, _ := member.AuditLog(support, db, org.ID, member.System, 0, 0)
	for _, e := range evs[len(evs)-3:] {
		fmt.Println(e.Type, "by", e.Actor)
	}
	// Output:
	// support removes the owner: roster: owner is protected: only an ownership transfer changes the owner (the system: TransferOwnership, or RemoveOwner with a successor)
	// support transfers to Mia: <nil>
	// scim deprovisions Mia: true 1
	// scim deprovisions Mia, Bob succeeding: <nil> 1
	// owner.transferred by system:support
	// owner.transferred by system:scim
	// member.removed by system:scim
}
