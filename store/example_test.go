package store_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
)

// Several rules in one unit of work: deactivating a member and cancelling
// the invitation it sent commit together, or not at all.
func ExampleStore_Update() {
	ctx := context.Background()
	policy := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "members.manage"}},
		Roles:       []access.RoleSpec{{Name: "owner"}, {Name: "admin", Permissions: access.SetOf(0)}},
		Owner:       "owner",
		Gates:       map[access.Action]access.Permission{access.Invite: 0, access.AddMember: 0, access.ChangeStatus: 0},
	})
	var db store.Store
	db, _ = memstore.New(store.Env{Policy: policy})
	org, ada, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	bob, _ := member.AddMember(ctx, db, org.ID, ada.ID, member.NewMember{
		NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}, Role: "admin"})
	inv, _, _ := invite.Send(ctx, db, org.ID, bob.ID, invite.NewInvitation{Email: "eve@x.io", Role: "admin"})

	err := db.Update(ctx, org.ID, func(tx store.Tx) error {
		if _, err := member.DeactivateTx(ctx, tx, ada.ID, bob.ID); err != nil {
			return err
		}
		return invite.CancelTx(ctx, tx, ada.ID, inv.ID)
	})
	m, _ := db.Member(ctx, org.ID, bob.ID)
	i, _ := db.Invitation(ctx, org.ID, inv.ID)
	fmt.Println(err, m.Status, i.Status)

	// A failing step undoes the others.
	err = db.Update(ctx, org.ID, func(tx store.Tx) error {
		if _, err := member.ReactivateTx(ctx, tx, ada.ID, bob.ID); err != nil {
			return err
		}
		return invite.CancelTx(ctx, tx, ada.ID, inv.ID) // cancelled already
	})
	m, _ = db.Member(ctx, org.ID, bob.ID)
	fmt.Println(errors.Is(err, invite.ErrCancelled), m.Status)
	// Output:
	// <nil> inactive cancelled
	// true inactive
}

// Every refusal has a stable code and an HTTP status, for an API's answer.
func ExampleErrorCode() {
	ctx := context.Background()
	policy := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "members.manage"}},
		Roles:       []access.RoleSpec{{Name: "owner"}, {Name: "admin", Permissions: access.SetOf(0)}},
		Owner:       "owner",
		Gates:       map[access.Action]access.Permission{access.ChangeRole: 0},
	})
	db, _ := memstore.New(store.Env{Policy: policy})
	org, ada, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})

	_, err := member.ChangeRole(ctx, db, org.ID, ada.ID, ada.ID, "admin")
	code, status := store.ErrorCode(err)
	fmt.Println(code, status)
	// Output:
	// self 403
}

// A worker follows the change feed of the whole store with a durable
// cursor: every organisation's events, in order, each handed over at least
// once.
func ExampleFollow() {
	ctx, stop := context.WithCancel(context.Background())
	policy := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "members.manage"}},
		Roles:       []access.RoleSpec{{Name: "owner"}, {Name: "viewer"}},
		Owner:       "owner",
		Gates:       map[access.Action]access.Permission{access.AddMember: 0, access.Remove: 0},
	})
	db, _ := memstore.New(store.Env{Policy: policy})
	names := map[store.ID]string{}
	for _, name := range []string{"Acme", "Globex"} {
		org, owner, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: name, Owner: member.NewUser{UserID: name + "-owner", Email: "owner@" + name + ".io"}})
		names[org.ID] = name
		bob, _ := member.AddMember(ctx, db, org.ID, owner.ID, member.NewMember{NewUser: member.NewUser{UserID: "bob", Email: "bob@x.io"}, Role: "viewer"})
		_ = member.Remove(ctx, db, org.ID, owner.ID, bob.ID)
	}
	go func() { // a real worker runs until its process stops
		for pos := int64(0); pos < 6; pos, _ = db.Cursor(ctx, "signout") {
			time.Sleep(time.Millisecond)
		}
		stop()
	}()

	err := store.Follow(ctx, db, "signout", store.FollowOptions{}, func(ctx context.Context, evs []store.Event) error {
		for _, e := range evs {
			if e.Type == store.MemberRemoved {
				fmt.Printf("%d: sign %s out of %s\n", e.Pos, e.Target.UserID, names[e.Org])
			} else {
				fmt.Printf("%d: %s in %s\n", e.Pos, e.Type, names[e.Org])
			}
		}
		return nil
	})
	pos, _ := db.Cursor(context.Background(), "signout")
	fmt.Println(errors.Is(err, context.Canceled), "cursor at", pos)
	// Output:
	// 1: org.created in Acme
	// 2: member.added in Acme
	// 3: sign bob out of Acme
	// 4: org.created in Globex
	// 5: member.added in Globex
	// 6: sign bob out of Globex
	// true cursor at 6
}

// Deleting an organisation answers at once, whatever its size: its members
// are gone for every read from the commit. A worker then removes the
// records in batches, here of 2.
func ExamplePurgeAll() {
	ctx := context.Background()
	policy := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "members.manage"}},
		Roles:       []access.RoleSpec{{Name: "owner"}, {Name: "admin", Permissions: access.SetOf(0)}},
		Owner:       "owner",
		Gates:       map[access.Action]access.Permission{access.AddMember: 0},
	})
	var db store.Store
	db, _ = memstore.New(store.Env{Policy: policy})
	org, ada, _ := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	for _, u := range []string{"bob", "cy", "dee", "eve"} {
		_, _ = member.AddMember(ctx, db, org.ID, ada.ID, member.NewMember{NewUser: member.NewUser{UserID: u, Email: u + "@acme.io"}, Role: "admin"})
	}
	if err := member.DeleteOrg(ctx, db, org.ID, ada.ID); err != nil {
		fmt.Println(err)
		return
	}
	_, err := db.MemberByUser(ctx, org.ID, "bob")
	fmt.Println("bob:", errors.Is(err, store.ErrNotFound))

	n, _ := db.Purge(ctx, 2)
	fmt.Println("first batch:", n)
	n, err = store.PurgeAll(ctx, db, 2)
	fmt.Println("the rest:", n, err)
	// Output:
	// bob: true
	// first batch: 2
	// the rest: 3 <nil>
}
