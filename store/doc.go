// Package store is roster's domain and the one contract between its rules
// and its backends.
//
// It holds the records (Org, Member, Role, Key, Event, Invitation, Request,
// Partnership, Code, CodeAttempt), the Env the rules run with (policy,
// clock, randomness, the bounded argon2id derivations of access codes), the errors a backend returns, and the two interfaces a
// backend implements: Store, whose reads serve a request handler and whose
// Update opens a unit of work, and Tx, the unit of work itself. The rules
// live in the member and invite packages, written against Tx; memstore and
// sqlstore implement Store, and store/storetest proves that they behave
// alike.
//
// # Two doors to every rule
//
// Every rule on one organisation comes in two forms. The plain form opens
// its own unit of work, and is what a request handler calls:
//
//	m, err := member.ChangeRole(ctx, db, org, actor, target, "editor")
//
// The Tx form runs inside a unit of work the caller opened, so that several
// rules commit together or not at all:
//
//	err := db.Update(ctx, org, func(tx store.Tx) error {
//		if _, err := member.DeactivateTx(ctx, tx, admin, bob); err != nil {
//			return err
//		}
//		return invite.CancelTx(ctx, tx, admin, bobsInvitation)
//	})
//
// To join the host's own database transaction as well, take the store that
// sqlstore's InTx returns for the host's *sql.Tx and call either form on
// it: the rules then commit or roll back with the host's writes.
//
// A unit of work covers one organisation and is serialised with every other
// unit of work on it: memstore takes the organisation's lock, sqlstore
// locks the organisation's row. The audit event every change writes commits
// in the same unit of work, so the audit log is also a reliable change
// feed.
//
// # Optional fast paths
//
// A backend may implement TokenUpdater (an accept found and locked by its
// token in one step) and PrincipalReader (the request-time grant of a user
// in one lookup). The rules use them when present and fall back to the
// reads of Store otherwise, so that a choice such as which partner
// organisation gives a user its grant is made once, in package invite.
//
// # Members are resolved
//
// Every Member a Store or Tx returns is resolved: m.Can(perm) is a bit test
// on the permissions computed when the member was loaded (Resolve). A
// backend calls Resolve on every member it returns; a host never needs to.
package store
