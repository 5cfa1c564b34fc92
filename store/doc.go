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
// # The change feed
//
// Store.Feed reads every event of every organisation in one order, by
// position (Event.Pos), so that one worker follows the whole store with one
// number: to sign removed members out, sync a search index, send webhooks,
// or mail invitations (invite.DeliveryLink). The guarantee:
//
//   - each committed event appears exactly once, and no event appears at a
//     position a reader has passed: a reader that goes on from its last
//     position misses nothing, though units of work commit in another
//     order than they began;
//   - each organisation's events appear in Seq order;
//   - an event of a unit of work that rolled back never appears.
//
// Follow reads the feed for a durable cursor kept by the store (Cursor,
// Advance), hands batches to a handler and advances the cursor after each:
// delivery is at least once, and a batch comes again only if the handler
// failed or the process stopped before the cursor moved. A consumer on the
// same SQL database advances the cursor in its own transaction instead
// (sqlstore's AdvanceTx), and then sees each event exactly once.
//
// Latency: a commit through the same Store wakes its followers at once;
// commits by other processes are seen at the next poll, at most
// FollowOptions.MaxWait (500 ms by default) after they commit, plus one
// read. Prune deletes the events before a time and keeps the cursors; a
// cursor left behind gets a *PrunedError that names the earliest position
// kept.
//
// # Consistency tokens and observation
//
// A change made under Capture records a Token, and a read under AtLeast is
// answered at least as fresh as it: a store with a request cache (sqlstore's
// Options.Cache) then goes to the database unless its cache has seen the
// token's changes. Env.Observer is told of every unit of work (rule,
// organisations, actor, events, duration, outcome); SlogObserver logs them.
//
// # Deleting an organisation
//
// Tx.DeleteOrg writes a tombstone, in a unit of work whose cost does not
// depend on the organisation's size: from its commit every read and rule
// answers as if its members, keys, roles, invitations, requests, access
// code and the partnerships it granted were gone. Store.Purge removes
// those records afterwards in bounded batches, each a short transaction
// of its own that locks no live organisation; a host runs it from a
// worker:
//
//	for {
//		if _, err := store.PurgeAll(ctx, db, 1000); err != nil {
//			log.Print(err) // what is left waits for the next round
//		}
//		time.Sleep(time.Minute)
//	}
//
// # The host as the system, and erasure
//
// An event's Actor.System names the host's system principal when the host
// ran the rule under member.AsSystem. Tx.Erase rewrites an organisation's
// records for member.Erase as an Erasure decides, the one place that says
// what a record keeps of an erased user, so that every store erases alike.
//
// # Optional fast paths
//
// A backend may implement TokenUpdater (an accept found and locked by its
// token in one step) and PrincipalReader (the request-time grant of a user
// in one lookup). The rules use them when present and fall back to the
// reads of Store otherwise, so that a choice such as which partner
// organisation gives a user its grant is made once, in package invite.
//
// # Lists are paged
//
// Every list of a Store (Members, Invitations, Requests, Keys, Roles,
// UserOrgs, Partnerships) reads one Page at a time: at most Limit items
// (DefaultPageSize when 0, MaxPageSize at most) after the cursor After, and
// the cursor of the next page, "" after the last. Cursors are opaque; a
// malformed one is ErrInvalid.
//
//	for p := (store.Page{}); ; {
//		keys, next, err := db.Keys(ctx, org, member, p)
//		…
//		if next == "" {
//			break
//		}
//		p.After = next
//	}
//
// # Members are resolved
//
// Every Member a Store or Tx returns is resolved: m.Can(perm) is a bit test
// on the permissions computed when the member was loaded (Resolve). A
// backend calls Resolve on every member it returns; a host never needs to.
//
// # Policies change
//
// A backend stores permissions and roles by name, decodes them with
// DecodeSet and DecodeRole, and encodes them with EncodeSet and EncodeRole,
// so that a name the policy renamed (an alias) or dropped loads, keeps its
// place in the record's Stale field, and is written back (StaleName). A
// backend that keeps records as values calls the Restate functions on
// every write, and with the old and new policy when it reopens under
// another (Reopener).
//
// # Refusals
//
// Env.OnRefusal is told of every refusal of a rule (Refusal); Env.Observer
// of every unit of work.
package store
