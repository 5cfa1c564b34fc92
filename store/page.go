package store

// Page selects a page of a list: the first Limit items after the cursor
// After ("" for the first page). Limit 0 means DefaultPageSize; more than
// MaxPageSize is MaxPageSize.
type Page struct {
	After string
	Limit int
}

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// Size returns the effective page size.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageSize
	case p.Limit > MaxPageSize:
		return MaxPageSize
	}
	return p.Limit
}
