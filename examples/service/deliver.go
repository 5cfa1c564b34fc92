package main

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/sqlstore/pgxv5"
	"github.com/rosterhq/roster/store"
)

// cursor is the delivery worker's durable cursor in roster's tables.
const cursor = "invitation-mail"

// deliver follows roster's change feed until ctx ends and puts a mail in
// the outbox for every invitation sent or resent: the request that sends
// an invitation only writes it, and the worker, which may run in another
// process, delivers it once that commits. Each batch's mail and the
// cursor's move commit in one transaction (pgxv5.AdvanceTx), so that each
// invitation is put in the outbox exactly once, whenever the worker stops.
// An invitation sent in a transaction that rolled back never reaches the
// feed, and is never mailed.
func (a *app) deliver(ctx context.Context) error {
	opts := store.FollowOptions{Batch: 50, MaxWait: 200 * time.Millisecond}
	return store.Follow(ctx, a.s, cursor, opts, func(ctx context.Context, evs []store.Event) error {
		return pgx.BeginFunc(ctx, a.pool, func(tx pgx.Tx) error {
			s := pgxv5.InTx(a.s, tx)
			for _, e := range evs {
				if e.Type != store.InvitationSent && e.Type != store.InvitationResent {
					continue
				}
				link, err := invite.DeliveryLink(ctx, s, e, a.join)
				if invite.Stale(err) {
					continue // accepted, cancelled, expired or resent since
				}
				if err != nil {
					return err // the batch comes again
				}
				if _, err := tx.Exec(ctx, `INSERT INTO outbox (org, email, link, event) VALUES ($1, $2, $3, $4)`,
					e.Org, e.Target.Email, link, e.Pos); err != nil {
					return err
				}
			}
			return pgxv5.AdvanceTx(ctx, a.s, tx, cursor, evs[len(evs)-1].Pos)
		})
	})
}
