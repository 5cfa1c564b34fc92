package sqlstore

import (
	"fmt"

	"github.com/rosterhq/roster/store"
)

var _ store.Reopener = (*Store)(nil)

// Reopen implements store.Reopener: a new Store on the same database,
// dialect and options, that runs the rules with env, as a process
// restarted with a changed policy would. The database needs no migration:
// permissions and roles are stored by name, and a name env's policy
// renamed or dropped loads as store.StaleName says. Close the old Store
// if it has a cache.
func (s *Store) Reopen(env store.Env) (store.Store, error) {
	if s.host != nil {
		return nil, fmt.Errorf("%w: Reopen of a Store bound to the host's transaction", store.ErrInvalid)
	}
	return New(s.db, s.Dialect(), env, s.opts)
}
