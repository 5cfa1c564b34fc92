package store

import (
	"context"

	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
)

// ID is member.ID.
type ID = member.ID

// Tx is one unit of work on one organisation, with every record a rule may
// read or write: members, roles, keys and the audit log (member.Tx),
// invitations, requests and partnerships (invite.Tx). Everything written
// through a Tx commits together or not at all, serialised with every other
// unit of work on the same organisation.
//
// A host composes several rules atomically by calling their Tx forms on
// one Tx:
//
//	err := db.Update(ctx, org, func(tx store.Tx) error {
//		if _, err := member.DeactivateTx(ctx, tx, admin, bob); err != nil {
//			return err
//		}
//		return invite.CancelTx(ctx, tx, admin, bobsInvitation)
//	})
type Tx interface {
	invite.Tx
}

// Store is the one contract a backend implements: the read views of member
// and invite, and units of work on one organisation. memstore and sqlstore
// implement it, and storetest proves that they behave alike.
type Store interface {
	invite.Store
	// Update runs fn in a unit of work on org: its writes commit together
	// if fn returns nil and are discarded otherwise, and fn's error is
	// returned as is. A missing or deleted organisation is ErrNotFound
	// and fn does not run. fn must use only tx, and not keep it after it
	// returns; it may run again if the backend retries a serialisation
	// failure, so it must not have effects outside tx.
	Update(ctx context.Context, org ID, fn func(Tx) error) error
}

// The errors a backend returns on its own account. They are the member and
// invite packages' sentinels, so errors.Is matches either name.
var (
	ErrNotFound       = member.ErrNotFound
	ErrConflict       = member.ErrConflict
	ErrAlreadyMember  = member.ErrAlreadyMember
	ErrAlreadyInvited = invite.ErrAlreadyInvited
)
