package store

import "context"

// PurgeAll calls s.Purge with limit until nothing deleted organisations
// left behind remains, or ctx ends, and returns how many records it
// removed. Each call is a transaction of its own, of at most limit
// records, so that a worker purging an organisation of 100,000 members
// never holds a lock for long: between two calls, the store's other work
// goes on.
func PurgeAll(ctx context.Context, s Store, limit int) (int, error) {
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := s.Purge(ctx, limit)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}
