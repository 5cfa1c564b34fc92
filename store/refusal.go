package store

import "github.com/rosterhq/roster/internal/errs"

// A Refusal is what Env.OnRefusal is told of one refusal: a rule that
// refused to act, for bad input or by one of its rules (an error with a
// code other than "internal", as Unit.Refused tells). A refused change
// wrote nothing, and no audit event: the hook is where a host counts
// refusals, alerts on a burst of them, or logs who tried what.
type Refusal struct {
	// Rule names the rule, as "member.ChangeRole"; "" for a unit of work
	// the host opened itself (Store.Update).
	Rule string
	// Org is the organisation the rule acted on (the first of a pair); zero
	// when none was named yet.
	Org ID
	// Orgs are all the organisations of the unit of work.
	Orgs []ID
	// Actor is the member that acted, once the rule had loaded it; zero for
	// a refusal before the actor was read.
	Actor ID
	// Code and Status are the refusal's stable code and HTTP status
	// (ErrorCode): "forbidden", 403.
	Code   string
	Status int
	// Err is the error the caller got; match it with errors.Is.
	Err error
}

// RefusalOf returns the Refusal that u, a refused unit of work, reports.
func RefusalOf(u Unit) Refusal {
	info := errs.Lookup(u.Err)
	r := Refusal{Rule: u.Rule, Orgs: u.Orgs, Actor: u.Actor, Code: info.Code, Status: info.Status, Err: u.Err}
	if len(u.Orgs) > 0 {
		r.Org = u.Orgs[0]
	}
	return r
}
