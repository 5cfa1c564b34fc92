package pgxv5_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/sqlstore/pgxv5"
	"github.com/rosterhq/roster/store"
)

// The store on the host's pgxpool, and a membership change in the host's
// pgx.Tx beside the host's own write: both commit, or neither. (dsn names
// the PostgreSQL database.)
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	db := stdlib.OpenDBFromPool(pool) // database/sql on the same pool
	defer db.Close()
	policy := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "projects.edit"}, {Name: "members.manage"}},
		Roles: []access.RoleSpec{
			{Name: "owner"},
			{Name: "admin", Permissions: access.SetOf(0, 1)},
			{Name: "editor", Permissions: access.SetOf(0)},
		},
		Owner: "owner",
		Gates: map[access.Action]access.Permission{access.AddMember: 1, access.ChangeRole: 1},
	})
	s, err := sqlstore.New(db, sqlstore.Postgres, store.Env{Policy: policy}, sqlstore.Options{Prefix: "example_"})
	if err != nil {
		panic(err)
	}
	if err := s.Migrate(ctx); err != nil {
		panic(err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE example_projects (name TEXT PRIMARY KEY, owner TEXT NOT NULL)`); err != nil {
		panic(err)
	}
	org, ada, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	if err != nil {
		panic(err)
	}

	// Bob joins with the project he brings, in one transaction.
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO example_projects (name, owner) VALUES ('apollo', 'bob')`); err != nil {
			return err
		}
		_, err := member.AddMember(ctx, pgxv5.InTx(s, tx), org.ID, ada.ID, member.NewMember{
			NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}, Role: "editor"})
		return err
	})
	fmt.Println("bob and apollo:", err)

	// Cy's project is refused by the host after roster let him in: he
	// is not left a member.
	errTaken := errors.New("project name taken")
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := member.AddMember(ctx, pgxv5.InTx(s, tx), org.ID, ada.ID, member.NewMember{
			NewUser: member.NewUser{UserID: "cy", Email: "cy@acme.io"}, Role: "editor"}); err != nil {
			return err
		}
		return errTaken
	})
	fmt.Println("cy:", err)
	_, err = s.MemberByUser(ctx, org.ID, "cy")
	fmt.Println("cy afterwards:", errors.Is(err, store.ErrNotFound))
	bob, _ := s.MemberByUser(ctx, org.ID, "bob")
	fmt.Println("bob is", bob.Role)
	// Output:
	// bob and apollo: <nil>
	// cy: project name taken
	// cy afterwards: true
	// bob is editor
}
