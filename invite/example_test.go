package invite_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
)

const (
	ViewProducts access.Permission = iota
	EditProducts
	InviteMembers
	ApproveRequests
	ManagePartners
)

func newStore() *memstore.Store {
	policy := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{
			ViewProducts:    {Name: "products.view"},
			EditProducts:    {Name: "products.edit"},
			InviteMembers:   {Name: "members.invite"},
			ApproveRequests: {Name: "requests.approve"},
			ManagePartners:  {Name: "partners.manage"},
		},
		Roles: []access.RoleSpec{
			{Name: "owner"},
			{Name: "admin", Permissions: access.FirstN(5)},
			{Name: "editor", Permissions: access.SetOf(ViewProducts, EditProducts)},
			{Name: "viewer", Permissions: access.SetOf(ViewProducts)},
		},
		Owner: "owner",
		Gates: map[access.Action]access.Permission{
			access.Invite:          InviteMembers,
			access.ApproveRequests: ApproveRequests,
			access.ManagePartners:  ManagePartners,
		},
	})
	// A low-cost access-code hash keeps the example quick; production
	// uses the default.
	db, err := memstore.New(store.Env{Policy: policy, CodeKDF: store.KDF{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		panic(err)
	}
	return db
}

// An invitation: sent, its link mailed, accepted once.
func Example() {
	ctx := context.Background()
	db := newStore()
	org, ada, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme", SeatLimit: 5,
		Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})

	inv, token, _ := invite.Send(ctx, db, org.ID, ada.ID, invite.NewInvitation{Email: "Bob@Acme.io", Role: "editor"})
	link, _ := invite.Link("https://app.acme.io/join", token)
	fmt.Println(inv.Email, inv.Role, inv.Expires.Sub(inv.Sent), strings.HasPrefix(link, "https://app.acme.io/join?token=rinv_"))

	pending, _, _ := invite.ListPending(ctx, db, org.ID, ada.ID, store.Page{})
	fmt.Println("pending:", len(pending), pending[0].Email, pending[0].Expired)

	joined, err := invite.Accept(ctx, db, token, member.NewUser{UserID: "bob", Email: "bob@acme.io"})
	bob := joined.Member
	fmt.Println(joined.Org.Name, bob.Role, bob.Can(EditProducts), err)

	_, err = invite.Accept(ctx, db, token, member.NewUser{UserID: "mallory", Email: "bob@acme.io"})
	fmt.Println(errors.Is(err, invite.ErrAlreadyUsed))
	// Output:
	// bob@acme.io editor 168h0m0s true
	// pending: 1 bob@acme.io false
	// Acme editor true <nil>
	// true
}

// An outside agent asks for access with the store's access code; the owner
// narrows what it asked for and approves. The agent becomes an external
// collaborator, which takes no seat.
func ExampleRequestAccess() {
	ctx := context.Background()
	db := newStore()
	org, ada, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Shop",
		Owner: member.NewUser{UserID: "ada", Email: "ada@shop.io"}})
	_ = invite.SetCode(ctx, db, org.ID, ada.ID, "4821")

	agent := member.NewUser{UserID: "agent", Email: "agent@support.io"}
	_, err := invite.RequestAccess(ctx, db, org.ID, agent, access.SetOf(ViewProducts, EditProducts), "ticket 42", "1111")
	fmt.Println(errors.Is(err, invite.ErrWrongCode))

	r, _ := invite.RequestAccess(ctx, db, org.ID, agent, access.SetOf(ViewProducts, EditProducts), "ticket 42", "4821")
	m, _ := invite.Approve(ctx, db, org.ID, ada.ID, r.ID, access.SetOf(ViewProducts))
	fmt.Println(m.Kind, m.Can(ViewProducts), m.Can(EditProducts))
	// Output:
	// true
	// external true false
}

// A partner organisation's members get the partnership's level, within its
// scopes, and never a lifecycle permission; suspending stops them at once.
func ExampleAcceptPartner() {
	ctx := context.Background()
	db := newStore()
	brand, ada, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Brand",
		Owner: member.NewUser{UserID: "ada", Email: "ada@brand.io"}})
	shop, rex, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Retailer",
		Owner: member.NewUser{UserID: "rex", Email: "rex@retail.io"}})

	_, token, _ := invite.InvitePartner(ctx, db, brand.ID, ada.ID, invite.NewPartner{
		Email: "rex@retail.io", Level: "admin", Scopes: access.MustScopes("market:de")})
	ps, _ := invite.AcceptPartner(ctx, db, token, shop.ID, rex.ID)

	g, _ := invite.Grant(ctx, db, brand.ID, "rex")
	fmt.Println(g.CanIn(EditProducts, "market:de"), g.CanIn(EditProducts, "market:fr"), g.Can(InviteMembers))

	_, _ = invite.ChangePartner(ctx, db, brand.ID, ada.ID, ps.ID, invite.PartnerChange{Status: store.PartnerSuspended})
	g, _ = invite.Grant(ctx, db, brand.ID, "rex")
	fmt.Println(g.Can(ViewProducts), g.Explain(ViewProducts).Reason == access.Inactive)
	// Output:
	// true false false
	// false true
}
