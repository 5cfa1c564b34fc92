package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/rosterhq/roster/store"
)

// EndedMembers implements store.Tx: through the index of ends not
// recorded, (ends_noted, ends).
func (t *tx) EndedMembers(ctx context.Context, limit int) ([]store.Member, error) {
	if limit < 1 {
		return nil, fmt.Errorf("%w: limit %d", store.ErrInvalid, limit)
	}
	rows, err := t.q.QueryContext(ctx, t.s.sql(`SELECT `+memberCols+memberFrom+`
		WHERE m.ends_noted = 0 AND m.ends > 0 AND m.ends <= ? AND m.org = ? ORDER BY m.ends, m.id LIMIT ?`),
		micros(t.now), t.id(t.org.ID), limit)
	if err != nil {
		return nil, err
	}
	ms, err := collect(rows, t.s.scanMember)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		ms[i], _ = t.sawMember(ms[i], nil)
	}
	return ms, nil
}

// EndedPartnerships implements store.Tx.
func (t *tx) EndedPartnerships(ctx context.Context, limit int) ([]store.Partnership, error) {
	if limit < 1 {
		return nil, fmt.Errorf("%w: limit %d", store.ErrInvalid, limit)
	}
	rows, err := t.q.QueryContext(ctx, t.s.sql(`SELECT `+partnerCols+` FROM {p}partners
		WHERE ends_noted = 0 AND ends > 0 AND ends <= ? AND org = ? ORDER BY ends, id LIMIT ?`),
		micros(t.now), t.id(t.org.ID), limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row scanner) (store.Partnership, error) { return t.s.scanPartner(row) })
}

// EndsDue implements store.Store.
func (s *Store) EndsDue(ctx context.Context, now time.Time, limit int) ([]store.ID, error) {
	if limit < 1 {
		return nil, fmt.Errorf("%w: limit %d", store.ErrInvalid, limit)
	}
	at := micros(now.UTC().Truncate(time.Microsecond))
	rows, err := s.reader().QueryContext(ctx, s.sql(`SELECT u.org FROM (
		SELECT m.org FROM {p}members m WHERE m.ends_noted = 0 AND m.ends > 0 AND m.ends <= ?
		UNION SELECT p.org FROM {p}partners p WHERE p.ends_noted = 0 AND p.ends > 0 AND p.ends <= ?
		) u JOIN {p}orgs o ON o.id = u.org AND o.deleted = 0 ORDER BY u.org LIMIT ?`), at, at, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row scanner) (store.ID, error) {
		var id store.ID
		err := row.Scan(&id)
		return id, err
	})
}
