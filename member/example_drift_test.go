package member_test

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
)

// A policy changes: "products.edit" becomes "products.write" (its old name
// an alias), and the role "viewer" goes. The data written before loads
// under the new policy, Drift says what the records still name, and
// PruneDrift rewrites it.
func ExampleDrift() {
	ctx := context.Background()
	s, _ := memstore.New(store.Env{Policy: examplePolicy()})
	org, owner, _ := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	vic, _ := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{Role: "viewer", Allow: access.SetOf(EditProducts),
		NewUser: member.NewUser{UserID: "vic", Email: "vic@acme.io"}})

	spec := examplePolicy().Spec()
	spec.Permissions[EditProducts] = access.PermissionSpec{Name: "products.write", Aliases: []string{"products.edit"}}
	spec.Roles = spec.Roles[:3] // no viewer
	v2 := access.MustPolicy(spec)
	reopened, _ := s.Reopen(store.Env{Policy: v2})

	m, _ := reopened.Member(ctx, org.ID, vic.ID)
	fmt.Println("loads:", m.Role, m.Can(EditProducts), m.Can(ViewProducts))
	drift, _ := member.Drift(ctx, reopened, org.ID)
	for _, d := range drift {
		fmt.Printf("%s %s: %q → %q\n", d.Kind, d.Field, d.Name, d.Current)
	}
	n, _ := member.PruneDrift(ctx, reopened, org.ID, "editor")
	drift, _ = member.Drift(ctx, reopened, org.ID)
	m, _ = reopened.Member(ctx, org.ID, vic.ID)
	fmt.Println("pruned:", n, len(drift), m.Role)
	// Output:
	// loads: viewer true false
	// member role: "viewer" → ""
	// member allow: "products.edit" → "products.write"
	// pruned: 1 0 editor
}
