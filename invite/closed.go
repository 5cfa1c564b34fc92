package invite

import (
	"fmt"

	"github.com/rosterhq/roster/store"
)

// closedErr returns the error for acting on a closed invitation, or nil when
// it is pending (expired or not).
func closedErr(i *store.Invitation) error {
	switch i.Status {
	case store.Pending:
		return nil
	case store.Accepted:
		return fmt.Errorf("%w: invitation %v was accepted", ErrAlreadyUsed, i.ID)
	case store.Declined:
		return fmt.Errorf("%w: invitation %v was declined", ErrDeclined, i.ID)
	case store.Cancelled:
		return fmt.Errorf("%w: invitation %v was cancelled", ErrCancelled, i.ID)
	}
	return fmt.Errorf("%w: invitation %v expired", ErrExpired, i.ID)
}
