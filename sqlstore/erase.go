package sqlstore

import (
	"context"

	"github.com/rosterhq/roster/store"
)

// Erase implements store.Tx: it reads the organisation's invitations,
// requests and events under its lock, and writes back those that er
// changed. A rewritten event keeps its row, so its position in the feed.
func (t *tx) Erase(ctx context.Context, er *store.Erasure) (int, error) {
	invs, err := t.orgIDs(ctx, `SELECT id FROM {p}invitations WHERE org = ? ORDER BY id`)
	if err != nil {
		return 0, err
	}
	reqs, err := t.orgIDs(ctx, `SELECT id FROM {p}requests WHERE org = ? ORDER BY id`)
	if err != nil {
		return 0, err
	}
	n, err := er.Records(ctx, t, invs, reqs)
	if err != nil {
		return 0, err
	}
	rows, err := t.q.QueryContext(ctx, t.s.sql(`SELECT `+eventCols+` FROM {p}events WHERE org = ? ORDER BY seq`), t.id(t.org.ID))
	if err != nil {
		return 0, err
	}
	evs, err := collect(rows, scanEvent)
	if err != nil {
		return 0, err
	}
	for _, e := range evs {
		if !er.Event(&e) {
			continue
		}
		if _, err := t.exec(ctx, `UPDATE {p}events SET actor = ?, target = ?, before_state = ?, after_state = ? WHERE org = ? AND seq = ?`,
			jsonText(e.Actor), jsonText(e.Target), jsonText(e.Before), jsonText(e.After), t.id(t.org.ID), e.Seq); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// orgIDs reads the IDs that query selects for the unit of work's
// organisation, its one argument.
func (t *tx) orgIDs(ctx context.Context, query string) ([]ID, error) {
	rows, err := t.q.QueryContext(ctx, t.s.sql(query), t.id(t.org.ID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []ID
	for rows.Next() {
		var id ID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
