package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// Plans. Seed 000 offers collaborators on the Professional and Enterprise
// plans only, and customised permissions on Enterprise only.
//
// roster leaves plans to the host, which gates the operations a plan
// allows before it calls the rule, as below, for three reasons. The plan
// is billing data: it lives in the host's billing system and changes with
// payments, and a copy on the organisation's row would be a second source
// of truth to keep in step (and a migration for every plan feature). A
// gate is one yes-or-no before an operation, where roster's rules decide
// who may do what to whom within what the plan allows. And the one plan
// limit that must hold under concurrency, seats, is already the
// organisation's (Org.SeatLimit, checked in the unit of work). The price:
// roster cannot stop a host that forgets the gate, so put it in one place,
// as these wrappers do, and call the rules only through them.
type Plan int

// The plans of seed 000.
const (
	Starter Plan = iota
	Professional
	Enterprise
)

func (p Plan) String() string {
	return [...]string{"Starter", "Professional", "Enterprise"}[p]
}

// ErrPlan: the organisation's plan does not include the operation.
var ErrPlan = errors.New("collaborators: not included in the plan")

// addCollaborator is member.AddMember on a plan with collaborators.
func addCollaborator(ctx context.Context, db store.Store, plan Plan, org, actor store.ID, n member.NewMember) (store.Member, error) {
	if plan < Professional {
		return store.Member{}, fmt.Errorf("%w: collaborators need the Professional or Enterprise plan, not %v", ErrPlan, plan)
	}
	return member.AddMember(ctx, db, org, actor, n)
}

// customise is member.SetPermissions on the Enterprise plan.
func customise(ctx context.Context, db store.Store, plan Plan, org, actor, target store.ID, allow, deny access.Set) (store.Member, error) {
	if plan < Enterprise {
		return store.Member{}, fmt.Errorf("%w: custom permissions need the Enterprise plan, not %v", ErrPlan, plan)
	}
	return member.SetPermissions(ctx, db, org, actor, target, allow, deny)
}

// createRole is member.CreateRole on the Enterprise plan.
func createRole(ctx context.Context, db store.Store, plan Plan, org, actor store.ID, name, label string, perms access.Set) (store.Role, error) {
	if plan < Enterprise {
		return store.Role{}, fmt.Errorf("%w: custom roles need the Enterprise plan, not %v", ErrPlan, plan)
	}
	return member.CreateRole(ctx, db, org, actor, name, label, perms)
}
