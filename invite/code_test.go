package invite_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
)

// A stored access code hash is read back from the database, where anyone
// with write access to one row could change it. Its argon2id parameters
// must be bounded before they are used: a row asking for a terabyte of
// memory must be refused as a malformed hash, not allocated.
func TestTamperedCodeHashIsBounded(t *testing.T) {
	ctx := context.Background()
	policy := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "view"}, {Name: "requests.approve"}},
		Roles:       []access.RoleSpec{{Name: "owner"}, {Name: "viewer", Permissions: access.SetOf(0)}},
		Owner:       "owner",
		Gates:       map[access.Action]access.Permission{access.ApproveRequests: 1},
	})
	db, err := memstore.New(store.Env{Policy: policy, CodeKDF: store.KDF{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	org, owner, err := member.CreateOrg(ctx, db, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := invite.SetCode(ctx, db, org.ID, owner.ID, "4821"); err != nil {
		t.Fatal(err)
	}
	for _, params := range []string{
		"m=1048576,t=1,p=1",  // 1 GiB
		"m=65536,t=1000,p=1", // a thousand passes
		"m=64,t=1,p=255",     // 255 lanes
	} {
		t.Run(params, func(t *testing.T) {
			err := db.Update(ctx, org.ID, func(tx store.Tx) error {
				c, err := tx.Code(ctx)
				if err != nil {
					return err
				}
				parts := strings.Split(c.Hash, "$")
				parts[3] = params
				c.Hash = strings.Join(parts, "$")
				return tx.PutCode(ctx, c)
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = invite.RequestAccess(ctx, db, org.ID, invite.Requester{UserID: "eve", Email: "eve@x.io"},
				access.SetOf(0), "", "4821")
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("a stored hash with %s: got %v, want store.ErrConflict", params, err)
			}
		})
	}
}
