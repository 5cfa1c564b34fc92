package memstore

// Leftovers counts the records s keeps of org, deleted or not, and the
// entries of the Store's indexes that point at one of its records no longer
// there, which must be none (storetest.Leftovers).
func Leftovers(s *Store, org ID) int {
	o, ok := s.lookup(org)
	if !ok {
		return 0
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	n := len(o.members) + len(o.keys) + len(o.invs) + len(o.reqs) + len(o.roles) + len(o.tries) + len(o.partners)
	if o.code != nil {
		n++
	}
	tokens, keys := map[[32]byte]bool{}, map[[32]byte]bool{}
	for _, inv := range o.invs {
		tokens[inv.TokenHash] = true
	}
	for _, k := range o.keys {
		keys[k.Hash] = true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for u, orgs := range s.users {
		if _, ok := orgs[org]; ok && o.byUser[u] == nil {
			n++
		}
	}
	for h, id := range s.tokens {
		if id == org && !tokens[h] {
			n++
		}
	}
	for h, id := range s.keys {
		if id == org && !keys[h] {
			n++
		}
	}
	for pid, e := range s.partners {
		if _, ok := o.partners[pid]; e.ps.Org == org && !ok {
			n++
		}
	}
	for i := range s.byOrgUser.shards {
		sh := &s.byOrgUser.shards[i]
		sh.mu.RLock()
		for _, e := range sh.m {
			for ; e != nil; e = e.next {
				if e.org == org && o.byUser[e.m.UserID] == nil {
					n++
				}
			}
		}
		sh.mu.RUnlock()
	}
	return n
}
