package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// The steps that the reads of every record share: scanning a row, the one
// row of a record, a page of rows ordered by ID, and all the rows of a
// query.

// scanner is a row: a Row, the current row of Rows, or prefixed.
type scanner interface{ Scan(dest ...any) error }

// prefixed is a row whose first columns go to pre, the rest to the
// destinations its Scan is given.
type prefixed struct {
	row scanner
	pre []any
}

func (p prefixed) Scan(dest ...any) error {
	return p.row.Scan(append(p.pre[:len(p.pre):len(p.pre)], dest...)...)
}

// one reads the one row of query, a record that what names in the error
// of its absence, store.ErrNotFound.
func one[T any](ctx context.Context, s *Store, q queryer, scan func(scanner) (T, error), what, query string, args ...any) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, s.sql(query), args...))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return v, err
}

// page reads up to p.Size() rows of a query ordered by ID after the cursor,
// and the cursor of the next page.
func page[T any](ctx context.Context, s *Store, p store.Page, query, idCol string, args []any, scan func(scanner) (T, error), id func(T) ID) ([]T, string, error) {
	after, err := rule.ParseCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	return pageAfter(ctx, s, p, query, idCol, args, s.f.id(after), scan, func(v T) string { return rule.EncodeCursor(id(v)) })
}

// pageNames is page for a query ordered by a name column, whose order is
// the names' byte order on every dialect.
func pageNames[T any](ctx context.Context, s *Store, p store.Page, query, nameCol string, args []any, scan func(scanner) (T, error), name func(T) string) ([]T, string, error) {
	after, err := rule.ParseNameCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	return pageAfter(ctx, s, p, query, nameCol, args, after, scan, func(v T) string { return rule.EncodeNameCursor(name(v)) })
}

// pageAfter reads up to p.Size() rows of query whose column col is greater
// than after, ordered by col, and the cursor (cursor of the last row) of
// the next page.
func pageAfter[T any](ctx context.Context, s *Store, p store.Page, query, col string, args []any, after any, scan func(scanner) (T, error), cursor func(T) string) ([]T, string, error) {
	n := p.Size()
	args = append(args, after)
	rows, err := s.reader().QueryContext(ctx, s.sql(query+pageTail(col, n+1)), args...)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, scan)
	if err != nil {
		return nil, "", err
	}
	if len(out) > n {
		return out[:n], cursor(out[n-1]), nil
	}
	return out, "", nil
}

// pageTail is what pageAfter adds to a query: the rows after the cursor
// (the argument it adds), in order, up to limit. The limit is written out,
// not a parameter: PostgreSQL estimates a LIMIT parameter as a tenth of the
// rows, so a prepared page's generic plan looked hundreds of times dearer
// than its custom plans and was never chosen, and every page was planned
// anew, 1.3 ms at 100,000 members for an execution of 0.16 ms. Each page
// size is a statement of its own, cached once.
func pageTail(col string, limit int) string {
	return ` AND ` + col + ` > ? ORDER BY ` + col + ` LIMIT ` + strconv.Itoa(limit)
}

func collect[T any](rows Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
