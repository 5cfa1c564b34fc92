// Package access is roster's permission core: the host's permissions, roles
// as bitsets, the policy that gates each lifecycle action, and the Grant that
// answers "may this member do that?" in a request handler.
//
// A host declares its permissions as constants (Permission, up to 256), names
// them and groups them into roles in a Spec, and validates it with NewPolicy
// (or loads it from JSON with ParsePolicy). A Set is a fixed-size bitset and a
// plain value: equality is ==, and no operation allocates.
//
// A Grant is resolved once, when a member is loaded: the role's permissions,
// plus those added to the member individually, minus those withdrawn, and
// nothing while the member is inactive. Checking it costs one bit test:
//
//	if !m.Can(perm.EditProducts) {
//		http.Error(w, m.Explain(perm.EditProducts).String(), http.StatusForbidden)
//		return
//	}
//
// Scopes limit where a grant applies ("market:de", "site:eu"): CanIn checks a
// permission within one or more scopes, per dimension, without allocating.
// A scope-limited grant fails closed: its Can answers false for every
// permission its scopes limit, and Explain says the answer depends on the
// scope, so that a handler which forgets CanIn hands out nothing:
//
//	if !m.CanIn(perm.EditProducts, "market:"+market) {
//		…
//	}
//
// Lifecycle actions (CanDo) concern the organisation, not a scope, and the
// escalation rule compares what a grant holds (Held, Scopes.SubsetOf): both
// read a scope-limited grant as before.
//
// A policy is bounded (MaxPermissions, MaxRoles, MaxFields, MaxLabelLen, and
// MaxPolicyBytes for its JSON form), so that one read from configuration
// cannot exhaust memory.
//
// Names are ASCII; labels and scopes are UTF-8 text without the control and
// format characters (bidirectional overrides, zero-width characters) that
// would hide or reorder what an audit log shows. CheckText applies the same
// rule to other free text.
//
// # Renames
//
// Names are stored (in databases, in JSON). To rename a permission or a
// role, give it its new name and list the old one in Aliases: stored
// records that hold the old name resolve to it with no data migration
// (ResolvePermission, ResolveRole, DecodeNames). Aliases are for stored
// names only; input from people (Permission, ParseSet, Role) takes current
// names.
//
// The package imports only the standard library and holds no state.
package access
