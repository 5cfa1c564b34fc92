package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/store"
)

var _ store.Tx = (*tx)(nil)

// tx is a unit of work on one organisation, whose lock it holds. It writes
// in place and records how to undo each write; the cross-organisation
// indexes of the Store are brought up to date when it commits.
type tx struct {
	s    *Store
	o    *org
	ctx  context.Context
	undo []func()

	users  map[string]bool   // users whose membership of o changed
	hashes map[[32]byte]bool // invitation token hashes that changed
	khash  map[[32]byte]bool // key hashes that changed

	ptouched     map[ID]bool // partnerships that changed
	rolesChanged bool        // custom roles changed: partnership levels may have
}

func (t *tx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = nil
}

// applyIndexes brings the Store's indexes in line with o; s.mu must be held.
func (t *tx) applyIndexes() {
	s, o, id := t.s, t.o, t.o.rec.ID
	if t.rolesChanged {
		// Members of an edited role were re-resolved into new records.
		for u := range o.byUser {
			t.touchUser(u)
		}
	}
	s.byOrgUser.apply(id, t.users, o.byUser)
	for u := range t.users {
		if _, ok := o.byUser[u]; ok {
			if s.users[u] == nil {
				s.users[u] = make(map[ID]struct{})
			}
			s.users[u][id] = struct{}{}
		} else if orgs := s.users[u]; orgs != nil {
			delete(orgs, id)
			if len(orgs) == 0 {
				delete(s.users, u)
			}
		}
	}
	for h := range t.hashes {
		if _, ok := o.byHash[h]; ok {
			s.tokens[h] = id
		} else if s.tokens[h] == id {
			delete(s.tokens, h)
		}
	}
	for h := range t.khash {
		if t.keyByHash(h) {
			s.keys[h] = id
		} else if s.keys[h] == id {
			delete(s.keys, h)
		}
	}
	for pid := range t.ptouched {
		if old, ok := s.partners[pid]; ok {
			delete(s.pairs, [2]ID{old.ps.Org, old.ps.Partner})
			delete(s.partners, pid)
		}
	}
	if t.rolesChanged {
		for pid := range o.partners {
			t.touchPartner(pid)
		}
	}
	for pid := range t.ptouched {
		if ps, ok := o.partners[pid]; ok {
			e := partnerEntry{ps: ps}
			perms := o.roles[ps.Level].Perms
			for i, st := range []store.Status{store.Inactive, store.Active} {
				e.grants[i] = store.ResolvePartner(s.env.Policy, &ps, &store.Member{Status: st}, perms)
			}
			s.partners[pid] = e
			s.pairs[[2]ID{ps.Org, ps.Partner}] = pid
		}
	}
}

func (t *tx) keyByHash(h [32]byte) bool {
	for _, k := range t.o.keys {
		if k.Hash == h {
			return true
		}
	}
	return false
}

func (t *tx) touchUser(u string) {
	if t.users == nil {
		t.users = make(map[string]bool)
	}
	t.users[u] = true
}

func (t *tx) touchHash(h [32]byte) {
	if t.hashes == nil {
		t.hashes = make(map[[32]byte]bool)
	}
	t.hashes[h] = true
}

func (t *tx) touchKey(h [32]byte) {
	if t.khash == nil {
		t.khash = make(map[[32]byte]bool)
	}
	t.khash[h] = true
}

func live(ctx context.Context) error { return ctx.Err() }

// Env implements store.Tx.
func (t *tx) Env() *store.Env { return t.s.env }

// Org implements store.Tx.
func (t *tx) Org(ctx context.Context) (store.Org, error) {
	if err := live(ctx); err != nil {
		return store.Org{}, err
	}
	return t.o.rec, nil
}

// PutOrg implements store.Tx.
func (t *tx) PutOrg(ctx context.Context, rec store.Org) error {
	if err := live(ctx); err != nil {
		return err
	}
	if rec.ID != t.o.rec.ID {
		return fmt.Errorf("%w: PutOrg cannot change the organisation's ID", store.ErrInvalid)
	}
	prev := t.o.rec
	t.o.rec = rec
	t.undo = append(t.undo, func() { t.o.rec = prev })
	return nil
}

// DeleteOrg implements store.Tx.
func (t *tx) DeleteOrg(ctx context.Context) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	saved := o.orgData
	for u := range o.byUser {
		t.touchUser(u)
	}
	for h := range o.byHash {
		t.touchHash(h)
	}
	for _, k := range o.keys {
		t.touchKey(k.Hash)
	}
	for pid := range o.partners {
		t.touchPartner(pid)
	}
	events := o.events
	o.orgData = newOrg(o.rec).orgData
	o.events, o.deleted = events, true
	t.undo = append(t.undo, func() {
		events := o.events // the log may have grown since
		o.orgData = saved
		o.events = events
	})
	return nil
}

// Member implements store.Tx.
func (t *tx) Member(ctx context.Context, id ID) (store.Member, error) {
	if err := live(ctx); err != nil {
		return store.Member{}, err
	}
	return t.o.member(id)
}

func (o *org) member(id ID) (store.Member, error) {
	m, ok := o.members[id]
	if !ok {
		return store.Member{}, fmt.Errorf("member %v: %w", id, store.ErrNotFound)
	}
	return *m, nil
}

// MemberByUser implements store.Tx.
func (t *tx) MemberByUser(ctx context.Context, user string) (store.Member, error) {
	if err := live(ctx); err != nil {
		return store.Member{}, err
	}
	m, ok := t.o.byUser[user]
	if !ok {
		return store.Member{}, fmt.Errorf("user %q: %w", user, store.ErrNotFound)
	}
	return *m, nil
}

// MemberByEmail implements store.Tx.
func (t *tx) MemberByEmail(ctx context.Context, email string) (store.Member, error) {
	if err := live(ctx); err != nil {
		return store.Member{}, err
	}
	id, ok := t.o.byEmail[email]
	if !ok {
		return store.Member{}, fmt.Errorf("e-mail %q: %w", email, store.ErrNotFound)
	}
	return t.o.member(id)
}

// MemberByUserOrEmail implements store.Tx.
func (t *tx) MemberByUserOrEmail(ctx context.Context, user, email string) (store.Member, error) {
	if m, err := t.MemberByUser(ctx, user); err == nil || ctx.Err() != nil {
		return m, err
	}
	return t.MemberByEmail(ctx, email)
}

// Owner implements store.Tx.
func (t *tx) Owner(ctx context.Context) (store.Member, error) {
	if err := live(ctx); err != nil {
		return store.Member{}, err
	}
	return t.o.member(t.o.owner)
}

// PutMember implements store.Tx.
func (t *tx) PutMember(ctx context.Context, m store.Member) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	if m.Org != o.rec.ID || m.ID == uuid.Nil {
		return fmt.Errorf("%w: member %v does not belong to organisation %v", store.ErrInvalid, m.ID, o.rec.ID)
	}
	if other, ok := o.byUser[m.UserID]; ok && other.ID != m.ID {
		return fmt.Errorf("%w: user %q", store.ErrAlreadyMember, m.UserID)
	}
	if id, ok := o.byEmail[m.Email]; ok && id != m.ID {
		return fmt.Errorf("%w: e-mail %q", store.ErrAlreadyMember, m.Email)
	}
	p := t.s.env.Policy
	if m.Kind == store.Staff && p.IsOwner(m.Role) && o.owner != uuid.Nil && o.owner != m.ID {
		return fmt.Errorf("%w: organisation %v has an owner", store.ErrConflict, o.rec.ID)
	}
	o.resolve(p, &m)
	prev := o.members[m.ID]
	if prev != nil {
		o.unsetMember(prev)
		t.touchUser(prev.UserID)
	}
	o.setMember(&m)
	t.touchUser(m.UserID)
	t.undo = append(t.undo, func() {
		o.unsetMember(o.members[m.ID])
		if prev != nil {
			o.setMember(prev)
		}
	})
	return nil
}

func (o *org) resolve(p *access.Policy, m *store.Member) {
	store.Resolve(p, m, o.roles[m.Role].Perms)
}

func (o *org) setMember(m *store.Member) {
	o.members[m.ID] = m
	o.byUser[m.UserID] = m
	o.byEmail[m.Email] = m.ID
	if i, found := slices.BinarySearchFunc(o.order, m.ID, compareID); !found {
		o.order = slices.Insert(o.order, i, m.ID)
	}
	if m.IsOwner() {
		o.owner = m.ID
	}
	if m.Kind == store.Staff {
		o.staff++
	}
}

func (o *org) unsetMember(m *store.Member) {
	delete(o.members, m.ID)
	delete(o.byUser, m.UserID)
	delete(o.byEmail, m.Email)
	if i, found := slices.BinarySearchFunc(o.order, m.ID, compareID); found {
		o.order = slices.Delete(o.order, i, i+1)
	}
	if o.owner == m.ID {
		o.owner = uuid.Nil
	}
	if m.Kind == store.Staff {
		o.staff--
	}
}

// DeleteMember implements store.Tx.
func (t *tx) DeleteMember(ctx context.Context, id ID) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	prev, ok := o.members[id]
	if !ok {
		return fmt.Errorf("member %v: %w", id, store.ErrNotFound)
	}
	for _, k := range o.keys {
		if k.Member == id {
			t.deleteKey(k)
		}
	}
	o.unsetMember(prev)
	t.touchUser(prev.UserID)
	t.undo = append(t.undo, func() { o.setMember(prev) })
	return nil
}

// Seats implements store.Tx.
func (t *tx) Seats(ctx context.Context, now time.Time) (int, error) {
	if err := live(ctx); err != nil {
		return 0, err
	}
	n := t.o.staff
	for k, id := range t.o.pending {
		if k.kind == store.ForMember && t.o.invs[id].Open(now) {
			n++
		}
	}
	return n, nil
}

// Role implements store.Tx.
func (t *tx) Role(ctx context.Context, name string) (store.Role, error) {
	if err := live(ctx); err != nil {
		return store.Role{}, err
	}
	r, ok := t.o.roles[name]
	if !ok {
		return store.Role{}, fmt.Errorf("role %q: %w", name, store.ErrNotFound)
	}
	return r, nil
}

// PutRole implements store.Tx.
func (t *tx) PutRole(ctx context.Context, r store.Role) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	if r.Org != o.rec.ID {
		return fmt.Errorf("%w: role %q does not belong to organisation %v", store.ErrInvalid, r.Name, o.rec.ID)
	}
	prev, had := o.roles[r.Name]
	o.roles[r.Name] = r
	t.rolesChanged = true
	o.reresolve(t.s.env.Policy, r.Name)
	t.undo = append(t.undo, func() {
		if had {
			o.roles[r.Name] = prev
		} else {
			delete(o.roles, r.Name)
		}
		o.reresolve(t.s.env.Policy, r.Name)
	})
	return nil
}

// reresolve recomputes the grants of the members holding role, replacing
// their records so that copies handed out stay as they were.
func (o *org) reresolve(p *access.Policy, role string) {
	for id, m := range o.members {
		if m.Role == role && m.Kind == store.Staff {
			c := *m
			o.resolve(p, &c)
			o.members[id] = &c
			o.byUser[c.UserID] = &c
		}
	}
}

// DeleteRole implements store.Tx.
func (t *tx) DeleteRole(ctx context.Context, name string) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	prev, ok := o.roles[name]
	if !ok {
		return fmt.Errorf("role %q: %w", name, store.ErrNotFound)
	}
	delete(o.roles, name)
	t.rolesChanged = true
	o.reresolve(t.s.env.Policy, name)
	t.undo = append(t.undo, func() {
		o.roles[name] = prev
		o.reresolve(t.s.env.Policy, name)
	})
	return nil
}

// RoleInUse implements store.Tx.
func (t *tx) RoleInUse(ctx context.Context, name string) (bool, error) {
	if err := live(ctx); err != nil {
		return false, err
	}
	for _, m := range t.o.members {
		if m.Role == name {
			return true, nil
		}
	}
	for _, id := range t.o.pending {
		if t.o.invs[id].Role == name {
			return true, nil
		}
	}
	for _, ps := range t.o.partners {
		if ps.Level == name {
			return true, nil
		}
	}
	return false, nil
}

// Key implements store.Tx.
func (t *tx) Key(ctx context.Context, id ID) (store.Key, error) {
	if err := live(ctx); err != nil {
		return store.Key{}, err
	}
	k, ok := t.o.keys[id]
	if !ok {
		return store.Key{}, fmt.Errorf("key %v: %w", id, store.ErrNotFound)
	}
	return k, nil
}

// PutKey implements store.Tx.
func (t *tx) PutKey(ctx context.Context, k store.Key) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	if k.Org != o.rec.ID {
		return fmt.Errorf("%w: key does not belong to organisation %v", store.ErrInvalid, o.rec.ID)
	}
	if _, ok := o.members[k.Member]; !ok {
		return fmt.Errorf("key's member %v: %w", k.Member, store.ErrNotFound)
	}
	if _, exists := o.keys[k.ID]; exists || t.keyByHash(k.Hash) || t.s.keyHashTaken(k.Hash) {
		return fmt.Errorf("%w: key %v or its hash exists", store.ErrConflict, k.ID)
	}
	o.keys[k.ID] = k
	t.touchKey(k.Hash)
	t.undo = append(t.undo, func() { delete(o.keys, k.ID) })
	return nil
}

func (s *Store) keyHashTaken(h [32]byte) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.keys[h]
	return ok
}

// DeleteKey implements store.Tx.
func (t *tx) DeleteKey(ctx context.Context, id ID) error {
	if err := live(ctx); err != nil {
		return err
	}
	k, ok := t.o.keys[id]
	if !ok {
		return fmt.Errorf("key %v: %w", id, store.ErrNotFound)
	}
	t.deleteKey(k)
	return nil
}

func (t *tx) deleteKey(k store.Key) {
	o := t.o
	delete(o.keys, k.ID)
	t.touchKey(k.Hash)
	t.undo = append(t.undo, func() { o.keys[k.ID] = k })
}

// Append implements store.Tx.
func (t *tx) Append(ctx context.Context, e *store.Event) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	e.Seq = int64(len(o.events)) + 1
	o.events = append(o.events, copyEvent(*e))
	t.undo = append(t.undo, func() { o.events = o.events[:len(o.events)-1] })
	return nil
}

func copyEvent(e store.Event) store.Event {
	e.Before, e.After = copyState(e.Before), copyState(e.After)
	return e
}

func copyState(s store.State) store.State {
	s.Allow, s.Deny, s.Scopes = slices.Clone(s.Allow), slices.Clone(s.Deny), slices.Clone(s.Scopes)
	s.Profile = maps.Clone(s.Profile)
	return s
}

// Invitation implements store.Tx.
func (t *tx) Invitation(ctx context.Context, id ID) (store.Invitation, error) {
	if err := live(ctx); err != nil {
		return store.Invitation{}, err
	}
	return t.o.invitation(id)
}

func (o *org) invitation(id ID) (store.Invitation, error) {
	inv, ok := o.invs[id]
	if !ok {
		return store.Invitation{}, fmt.Errorf("invitation %v: %w", id, store.ErrNotFound)
	}
	return copyInvitation(*inv), nil
}

func copyInvitation(inv store.Invitation) store.Invitation {
	inv.Sealed = slices.Clone(inv.Sealed)
	return inv
}

// InvitationByHash implements store.Tx.
func (t *tx) InvitationByHash(ctx context.Context, hash [32]byte) (store.Invitation, error) {
	if err := live(ctx); err != nil {
		return store.Invitation{}, err
	}
	id, ok := t.o.byHash[hash]
	if !ok {
		return store.Invitation{}, fmt.Errorf("invitation token: %w", store.ErrNotFound)
	}
	return t.o.invitation(id)
}

// PendingInvitation implements store.Tx.
func (t *tx) PendingInvitation(ctx context.Context, kind store.InvitationKind, email string) (store.Invitation, error) {
	if err := live(ctx); err != nil {
		return store.Invitation{}, err
	}
	id, ok := t.o.pending[pendingKey{kind, email}]
	if !ok {
		return store.Invitation{}, fmt.Errorf("pending invitation for %s: %w", email, store.ErrNotFound)
	}
	return t.o.invitation(id)
}

// PutInvitation implements store.Tx.
func (t *tx) PutInvitation(ctx context.Context, inv store.Invitation) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	if inv.Org != o.rec.ID || inv.ID == uuid.Nil {
		return fmt.Errorf("%w: invitation does not belong to organisation %v", store.ErrInvalid, o.rec.ID)
	}
	if inv.Status == store.Pending {
		if id, ok := o.pending[pendingKey{inv.Kind, inv.Email}]; ok && id != inv.ID {
			return fmt.Errorf("%w: %s", store.ErrAlreadyInvited, inv.Email)
		}
	}
	if id, ok := o.byHash[inv.TokenHash]; ok && id != inv.ID || !ok && t.s.tokenTaken(inv.TokenHash) {
		return fmt.Errorf("%w: invitation token hash exists", store.ErrConflict)
	}
	c := copyInvitation(inv)
	prev := o.invs[inv.ID]
	if prev != nil {
		o.unsetInvitation(prev)
		t.touchHash(prev.TokenHash)
	}
	o.setInvitation(&c)
	t.touchHash(c.TokenHash)
	t.undo = append(t.undo, func() {
		o.unsetInvitation(&c)
		if prev != nil {
			o.setInvitation(prev)
		}
	})
	return nil
}

func (s *Store) tokenTaken(h [32]byte) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.tokens[h]
	return ok
}

func (o *org) setInvitation(inv *store.Invitation) {
	o.invs[inv.ID] = inv
	o.byHash[inv.TokenHash] = inv.ID
	if inv.Status == store.Pending {
		o.pending[pendingKey{inv.Kind, inv.Email}] = inv.ID
	}
}

func (o *org) unsetInvitation(inv *store.Invitation) {
	delete(o.invs, inv.ID)
	delete(o.byHash, inv.TokenHash)
	if k := (pendingKey{inv.Kind, inv.Email}); o.pending[k] == inv.ID {
		delete(o.pending, k)
	}
}

// Request implements store.Tx.
func (t *tx) Request(ctx context.Context, id ID) (store.Request, error) {
	if err := live(ctx); err != nil {
		return store.Request{}, err
	}
	r, ok := t.o.reqs[id]
	if !ok {
		return store.Request{}, fmt.Errorf("request %v: %w", id, store.ErrNotFound)
	}
	return *r, nil
}

// OpenRequest implements store.Tx.
func (t *tx) OpenRequest(ctx context.Context, user string) (store.Request, error) {
	if err := live(ctx); err != nil {
		return store.Request{}, err
	}
	id, ok := t.o.openReq[user]
	if !ok {
		return store.Request{}, fmt.Errorf("open request of %q: %w", user, store.ErrNotFound)
	}
	return *t.o.reqs[id], nil
}

// PutRequest implements store.Tx.
func (t *tx) PutRequest(ctx context.Context, r store.Request) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	if r.Org != o.rec.ID || r.ID == uuid.Nil {
		return fmt.Errorf("%w: request does not belong to organisation %v", store.ErrInvalid, o.rec.ID)
	}
	if r.Status == store.Asked {
		if id, ok := o.openReq[r.UserID]; ok && id != r.ID {
			return fmt.Errorf("%w: user %q", invite.ErrAlreadyRequested, r.UserID)
		}
	}
	prev := o.reqs[r.ID]
	if prev != nil {
		o.unsetRequest(prev)
	}
	o.setRequest(&r)
	t.undo = append(t.undo, func() {
		o.unsetRequest(&r)
		if prev != nil {
			o.setRequest(prev)
		}
	})
	return nil
}

func (o *org) setRequest(r *store.Request) {
	o.reqs[r.ID] = r
	if r.Status == store.Asked {
		o.openReq[r.UserID] = r.ID
	}
}

func (o *org) unsetRequest(r *store.Request) {
	delete(o.reqs, r.ID)
	if o.openReq[r.UserID] == r.ID {
		delete(o.openReq, r.UserID)
	}
}

// Code implements store.Tx.
func (t *tx) Code(ctx context.Context) (store.Code, error) {
	if err := live(ctx); err != nil {
		return store.Code{}, err
	}
	if t.o.code == nil {
		return store.Code{}, fmt.Errorf("access code: %w", store.ErrNotFound)
	}
	return *t.o.code, nil
}

// PutCode implements store.Tx.
func (t *tx) PutCode(ctx context.Context, c store.Code) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	prev := o.code
	if c.Hash == "" {
		o.code = nil
	} else {
		c.Org = o.rec.ID
		o.code = &c
	}
	t.undo = append(t.undo, func() { o.code = prev })
	return nil
}

// Partnership implements store.Tx.
func (t *tx) Partnership(ctx context.Context, id ID) (store.Partnership, error) {
	if err := live(ctx); err != nil {
		return store.Partnership{}, err
	}
	ps, ok := t.o.partners[id]
	if !ok {
		return store.Partnership{}, fmt.Errorf("partnership %v: %w", id, store.ErrNotFound)
	}
	return ps, nil
}

// PartnershipWith implements store.Tx.
func (t *tx) PartnershipWith(ctx context.Context, partner ID) (store.Partnership, error) {
	if err := live(ctx); err != nil {
		return store.Partnership{}, err
	}
	id, ok := t.o.byPartner[partner]
	if !ok {
		return store.Partnership{}, fmt.Errorf("partnership with %v: %w", partner, store.ErrNotFound)
	}
	return t.o.partners[id], nil
}

// PutPartnership implements store.Tx.
func (t *tx) PutPartnership(ctx context.Context, ps store.Partnership) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	if ps.Org != o.rec.ID || ps.ID == uuid.Nil || ps.Partner == o.rec.ID {
		return fmt.Errorf("%w: partnership does not belong to organisation %v", store.ErrInvalid, o.rec.ID)
	}
	if id, ok := o.byPartner[ps.Partner]; ok && id != ps.ID {
		return fmt.Errorf("%w: a partnership with %v exists", store.ErrExists, ps.Partner)
	}
	prev, had := o.partners[ps.ID]
	if had {
		delete(o.byPartner, prev.Partner)
	}
	o.partners[ps.ID] = ps
	o.byPartner[ps.Partner] = ps.ID
	t.touchPartner(ps.ID)
	t.undo = append(t.undo, func() {
		delete(o.partners, ps.ID)
		delete(o.byPartner, ps.Partner)
		if had {
			o.partners[ps.ID] = prev
			o.byPartner[prev.Partner] = ps.ID
		}
	})
	return nil
}

// DeletePartnership implements store.Tx.
func (t *tx) DeletePartnership(ctx context.Context, id ID) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	prev, ok := o.partners[id]
	if !ok {
		return fmt.Errorf("partnership %v: %w", id, store.ErrNotFound)
	}
	delete(o.partners, id)
	delete(o.byPartner, prev.Partner)
	t.touchPartner(id)
	t.undo = append(t.undo, func() {
		o.partners[id] = prev
		o.byPartner[prev.Partner] = id
	})
	return nil
}

func (t *tx) touchPartner(id ID) {
	if t.ptouched == nil {
		t.ptouched = make(map[ID]bool)
	}
	t.ptouched[id] = true
}
