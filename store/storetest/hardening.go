package storetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// The regressions of an outside review (issue #14), one test an item, on
// every store.

// A partnership reaches the partner organisation's staff, never its
// external collaborators, whom the granting organisation never approved.
func testPartnerReachesStaffOnly(t *testing.T, f Factory) {
	w := newPartnerWorld(t, f)
	outsider, err := member.AddMember(w.ctx, w.s, w.retail.ID, w.rOwner.ID, member.NewMember{
		NewUser: w.user(), Kind: store.External, Allow: access.SetOf(fixture.ViewProducts)})
	require.NoError(t, err)
	_, err = invite.Grant(w.ctx, w.s, w.org.ID, outsider.UserID)
	require.ErrorIs(t, err, store.ErrNotFound, "an outside collaborator of the partner holds nothing through the partnership")
	g, err := invite.Grant(w.ctx, w.s, w.org.ID, w.rClerk.UserID)
	require.NoError(t, err)
	require.True(t, g.CanIn(fixture.EditProducts, "market:de", "set:summer"), "the partner's staff still do")

	// A user who is outside in one partner organisation and staff in a
	// later one gets the staff membership's grant.
	third, thirdOwner := w.newOrg("Zulu", 0)
	_ = third
	_, tok, err := invite.InvitePartner(w.ctx, w.s, w.org.ID, w.admin.ID, invite.NewPartner{Email: thirdOwner.Email, Level: "viewer"})
	require.NoError(t, err)
	_, err = invite.AcceptPartner(w.ctx, w.s, tok, thirdOwner.Org, thirdOwner.ID)
	require.NoError(t, err)
	_, err = member.AddMember(w.ctx, w.s, thirdOwner.Org, thirdOwner.ID, member.NewMember{
		NewUser: member.NewUser{UserID: outsider.UserID, Email: outsider.Email}, Role: "viewer"})
	require.NoError(t, err)
	g, err = invite.Grant(w.ctx, w.s, w.org.ID, outsider.UserID)
	require.NoError(t, err)
	require.True(t, g.Can(fixture.ViewProducts), "through the partnership where it is staff")
}

// A partnership reaches the partner's external collaborators only where the
// granting organisation opted in explicitly (ChangePartner with
// Collaborators, one event in each organisation); then they get the
// partnership's level, within its scopes. The partner's staff are
// unaffected either way.
func testPartnerCollaboratorsOptIn(t *testing.T, f Factory) {
	w := newPartnerWorld(t, f)
	outsider, err := member.AddMember(w.ctx, w.s, w.retail.ID, w.rOwner.ID, member.NewMember{
		NewUser: w.user(), Kind: store.External, Allow: access.SetOf(fixture.ViewProducts)})
	require.NoError(t, err)
	require.False(t, w.ps.Collaborators, "off unless the granting organisation opts in")
	reaches := func(on bool) {
		t.Helper()
		g, err := invite.Grant(w.ctx, w.s, w.org.ID, outsider.UserID)
		if !on {
			require.ErrorIs(t, err, store.ErrNotFound, "an outside collaborator of the partner holds nothing through the partnership")
		} else {
			require.NoError(t, err)
			require.Equal(t, access.FromPartner, g.Source())
			require.True(t, g.CanIn(fixture.EditProducts, "market:de", "set:summer"), "the partnership's level")
			require.False(t, g.CanIn(fixture.EditProducts, "market:fr"), "within its scopes")
		}
		staff, err := invite.Grant(w.ctx, w.s, w.org.ID, w.rClerk.UserID)
		require.NoError(t, err)
		require.True(t, staff.CanIn(fixture.EditProducts, "market:de", "set:summer"), "the partner's staff are unaffected")
	}
	reaches(false)

	// The partner organisation cannot opt itself in.
	yes, no := true, false
	_, err = invite.ChangePartner(w.ctx, w.s, w.retail.ID, w.rOwner.ID, w.ps.ID, invite.PartnerChange{Collaborators: &yes})
	require.ErrorIs(t, err, member.ErrForbidden)
	_, err = invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Collaborators: &yes, Status: store.PartnerSuspended})
	require.ErrorIs(t, err, store.ErrInvalid, "one change at a time")
	reaches(false)

	gEvents, pEvents := len(w.events(w.org.ID)), len(w.events(w.retail.ID))
	ps, err := invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Collaborators: &yes})
	require.NoError(t, err)
	require.True(t, ps.Collaborators)
	stored, err := w.s.Partnership(w.ctx, w.org.ID, w.ps.ID)
	require.NoError(t, err)
	require.True(t, stored.Collaborators, "stored")
	for org, n := range map[store.ID]int{w.org.ID: gEvents, w.retail.ID: pEvents} {
		evs := w.events(org)
		require.Len(t, evs, n+1, "one event in each organisation")
		last := evs[len(evs)-1]
		require.Equal(t, store.PartnerReachChanged, last.Type)
		require.False(t, last.Before.Collaborators)
		require.True(t, last.After.Collaborators)
	}
	reaches(true)

	// Suspended, the partnership grants nothing to anyone it reaches.
	_, err = invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Status: store.PartnerSuspended})
	require.NoError(t, err)
	g, err := invite.Grant(w.ctx, w.s, w.org.ID, outsider.UserID)
	require.NoError(t, err)
	require.False(t, g.CanIn(fixture.ViewProducts, "market:de", "set:summer"), "suspended")
	_, err = invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Status: store.PartnerActive})
	require.NoError(t, err)
	reaches(true)

	// Opting in again changes nothing and writes nothing; opting out
	// ends the outsider's access at once.
	n := len(w.events(w.org.ID))
	_, err = invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Collaborators: &yes})
	require.NoError(t, err)
	require.Len(t, w.events(w.org.ID), n)
	_, err = invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Collaborators: &no})
	require.NoError(t, err)
	reaches(false)
}

// A unit of work waiting for its organisation returns its context's error
// promptly after the deadline, having written nothing, however long the
// unit of work ahead of it holds the organisation.
func testDeadlineWhileBusy(t *testing.T, f Factory) {
	w := newWorld(t, f)
	before := w.state(w.org.ID) // read first: memstore's readers wait for a unit of work
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- w.s.Update(w.ctx, w.org.ID, func(tx store.Tx) error {
			close(held)
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
			return nil
		})
	}()
	<-held
	const deadline = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(w.ctx, deadline)
	defer cancel()
	start := time.Now()
	_, err := member.ChangeRole(ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID, "editor")
	waited := time.Since(start)
	close(release)
	require.NoError(t, <-done)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	// Promptly: the deadline plus a margin for a loaded machine, far
	// below the 10 s the first unit of work could hold the organisation.
	require.Less(t, waited, deadline+time.Second, "waited %v past a %v deadline", waited, deadline)
	require.Equal(t, before, w.state(w.org.ID), "nothing was written")
}

// Contradictory input is refused: a permission both allowed and denied, and
// an external collaborator with no permission.
func testContradictoryInput(t *testing.T, f Factory) {
	w := newWorld(t, f)
	both := access.SetOf(fixture.ReadAudit)
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.admin.ID, member.NewMember{NewUser: w.user(), Role: "viewer", Allow: both, Deny: both})
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.admin.ID, member.NewMember{NewUser: w.user(), Kind: store.External})
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.SetPermissions(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID, both, both)
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, _, err := invite.Send(w.ctx, w.s, w.org.ID, w.admin.ID, invite.NewInvitation{Email: "x@y.io", Role: "viewer", Allow: both, Deny: both})
		return err
	})
	ext, err := member.AddMember(w.ctx, w.s, w.org.ID, w.admin.ID, member.NewMember{NewUser: w.user(), Kind: store.External, Allow: both})
	require.NoError(t, err)
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.SetPermissions(w.ctx, w.s, w.org.ID, w.admin.ID, ext.ID, access.Set{}, access.Set{})
		return err
	})
}

// Names and user IDs refuse Unicode control and format characters, which
// hide or reorder what a reader of the audit log sees.
func testControlAndFormatCharacters(t *testing.T, f Factory) {
	w := newWorld(t, f)
	for _, bad := range []string{"\u202enimda", "ad\u200bmin", "a\u0085b", "a\ufeff", "a\x00b", "a\xffb"} {
		w.refuse(w.org.ID, store.ErrInvalid, func() error {
			_, err := member.RenameOrg(w.ctx, w.s, w.org.ID, w.owner.ID, bad)
			return err
		})
		w.refuse(w.org.ID, store.ErrInvalid, func() error {
			u := w.user()
			u.Name = bad
			_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.admin.ID, member.NewMember{NewUser: u, Role: "viewer"})
			return err
		})
		w.refuse(w.org.ID, store.ErrInvalid, func() error {
			u := w.user()
			u.UserID = bad
			_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.admin.ID, member.NewMember{NewUser: u, Role: "viewer"})
			return err
		})
		w.refuse(w.org.ID, store.ErrInvalid, func() error {
			_, err := member.CreateRole(w.ctx, w.s, w.org.ID, w.owner.ID, "custom", bad, access.SetOf(fixture.ViewProducts))
			return err
		})
	}
}

// Every read path validates its input before a store sees it, with the same
// answer on every store: no database may match "bob " to "bob", and NUL
// bytes or invalid UTF-8 never reach one.
func testLookupInputs(t *testing.T, f Factory) {
	w := newWorld(t, f)
	custom, err := member.CreateRole(w.ctx, w.s, w.org.ID, w.owner.ID, "custom", "", access.SetOf(fixture.ViewProducts))
	require.NoError(t, err)
	user := w.editor.UserID
	for _, bad := range []string{user + " ", " " + user, user + "\x00", "\xff" + user, user + "\u200b"} {
		_, err := w.s.MemberByUser(w.ctx, w.org.ID, bad)
		require.ErrorIs(t, err, store.ErrInvalid, "MemberByUser(%q)", bad)
		_, err = invite.Grant(w.ctx, w.s, w.org.ID, bad)
		require.ErrorIs(t, err, store.ErrInvalid, "invite.Grant(%q)", bad)
		_, _, err = w.s.UserOrgs(w.ctx, bad, store.Page{})
		require.ErrorIs(t, err, store.ErrInvalid, "UserOrgs(%q)", bad)
	}
	for _, bad := range []string{"editor ", "edi\x00tor", "\xffeditor", custom.Name + " "} {
		_, _, err := w.s.Members(w.ctx, w.org.ID, store.Filter{Role: bad}, store.Page{})
		require.ErrorIs(t, err, store.ErrInvalid, "Members with role %q", bad)
		w.refuse(w.org.ID, store.ErrInvalid, func() error {
			_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.admin.ID, w.viewer.ID, bad)
			return err
		})
		w.refuse(w.org.ID, store.ErrInvalid, func() error {
			_, _, err := invite.Send(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: "new@x.io", Role: bad})
			return err
		})
	}
	got, err := w.s.MemberByUser(w.ctx, w.org.ID, user)
	require.NoError(t, err, "the exact user ID still finds its member")
	require.Equal(t, w.editor.ID, got.ID)
}

// A unit of work has one time (#14 item 8): Tx.Now is the same for every
// call, however the clock moves meanwhile, and is what the rules stamp on
// the records and events they write in it.
func testUnitOfWorkTime(t *testing.T, f Factory) {
	w := newWorld(t, f)
	var first, later time.Time
	require.NoError(t, w.s.Update(w.ctx, w.org.ID, func(tx store.Tx) error {
		first = tx.Now()
		w.clock.Advance(time.Hour)
		later = tx.Now()
		_, err := member.RenameOrgTx(w.ctx, tx, w.owner.ID, "Renamed")
		return err
	}))
	require.Equal(t, first, later, "one time for the unit of work")
	require.Equal(t, time.UTC, first.Location())
	require.Equal(t, first, first.Truncate(time.Microsecond))
	o, err := w.s.Org(w.ctx, w.org.ID)
	require.NoError(t, err)
	require.True(t, o.Updated.Equal(first), "org updated %v, not at the unit of work's time %v", o.Updated, first)
	evs, err := w.s.Events(w.ctx, w.org.ID, 0, 1000)
	require.NoError(t, err)
	require.True(t, evs[len(evs)-1].Time.Equal(first), "event at %v, not at the unit of work's time %v", evs[len(evs)-1].Time, first)
}

// Keys, Roles, UserOrgs and Partnerships page as Members does: with page
// size k, every item comes exactly once, in order, a full page before each
// cursor; a malformed cursor is ErrInvalid; an unknown organisation lists
// nothing.
func testListPages(t *testing.T, f Factory) {
	w := newWorld(t, f)
	// Keys: seven of the editor's, two of the admin's that its list leaves out.
	for i := range 7 {
		_, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, fmt.Sprint("key-", i))
		require.NoError(t, err)
	}
	for range 2 {
		_, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.admin.ID, "admin's")
		require.NoError(t, err)
	}
	keys := pagedList(t, 3, 3, func(p store.Page) ([]store.Key, string, error) { return w.s.Keys(w.ctx, w.org.ID, w.editor.ID, p) })
	require.Len(t, keys, 7)
	var ids []store.ID
	for _, k := range keys {
		require.Equal(t, w.editor.ID, k.Member)
		ids = append(ids, k.ID)
	}
	require.IsIncreasing(t, idStrings(ids))
	first, next, err := w.s.Keys(w.ctx, w.org.ID, w.editor.ID, store.Page{})
	require.NoError(t, err)
	require.Equal(t, keys, first, "the default page holds them all")
	require.Empty(t, next)

	// Roles, by name in byte order whatever the database's collation.
	names := []string{"Zeta", "alpha", "Beta", "b.1", "a-b", "ab", "A_", ":x"}
	for _, n := range names {
		_, err := member.CreateRole(w.ctx, w.s, w.org.ID, w.owner.ID, n, "", access.SetOf(fixture.ViewProducts))
		require.NoError(t, err)
	}
	roles := pagedList(t, 3, 3, func(p store.Page) ([]store.Role, string, error) { return w.s.Roles(w.ctx, w.org.ID, p) })
	var got []string
	for _, r := range roles {
		got = append(got, r.Name)
	}
	require.Equal(t, slices.Sorted(slices.Values(names)), got)

	// UserOrgs: the owner's user owns four organisations more.
	for i := range 4 {
		_, _, err := member.CreateOrg(w.ctx, w.s, member.NewOrg{Name: fmt.Sprint("Org ", i),
			Owner: member.NewUser{UserID: w.owner.UserID, Email: w.owner.Email}})
		require.NoError(t, err)
	}
	orgs := pagedList(t, 2, 3, func(p store.Page) ([]store.Membership, string, error) { return w.s.UserOrgs(w.ctx, w.owner.UserID, p) })
	ids = ids[:0]
	for _, m := range orgs {
		require.Equal(t, w.owner.UserID, m.Member.UserID)
		require.Equal(t, m.Org.ID, m.Member.Org)
		ids = append(ids, m.Org.ID)
	}
	require.Len(t, ids, 5)
	require.IsIncreasing(t, idStrings(ids))
	require.Contains(t, ids, w.org.ID)

	// Partnerships, granted and received.
	for i := range 5 {
		po, powner := w.newOrg(fmt.Sprint("Partner ", i), 0)
		_, tok, err := invite.InvitePartner(w.ctx, w.s, w.org.ID, w.admin.ID, invite.NewPartner{Email: powner.Email, Level: "viewer"})
		require.NoError(t, err)
		_, err = invite.AcceptPartner(w.ctx, w.s, tok, po.ID, powner.ID)
		require.NoError(t, err)
	}
	other, otherOwner := w.newOrg("Grantor", 0)
	_, tok, err := invite.InvitePartner(w.ctx, w.s, other.ID, otherOwner.ID, invite.NewPartner{Email: w.owner.Email, Level: "viewer"})
	require.NoError(t, err)
	_, err = invite.AcceptPartner(w.ctx, w.s, tok, w.org.ID, w.owner.ID)
	require.NoError(t, err)
	parts := pagedList(t, 4, 2, func(p store.Page) ([]store.Partnership, string, error) { return w.s.Partnerships(w.ctx, w.org.ID, p) })
	ids = ids[:0]
	for _, ps := range parts {
		require.True(t, ps.Org == w.org.ID || ps.Partner == w.org.ID)
		ids = append(ids, ps.ID)
	}
	require.Len(t, ids, 6)
	require.IsIncreasing(t, idStrings(ids))

	// Malformed cursors are ErrInvalid on every list.
	bad := []string{"!!", "AAAA", base64.RawURLEncoding.EncodeToString(make([]byte, 17))}
	for _, c := range bad {
		p := store.Page{After: c}
		_, _, err := w.s.Keys(w.ctx, w.org.ID, w.editor.ID, p)
		require.ErrorIs(t, err, store.ErrInvalid, "Keys after %q", c)
		_, _, err = w.s.UserOrgs(w.ctx, w.owner.UserID, p)
		require.ErrorIs(t, err, store.ErrInvalid, "UserOrgs after %q", c)
		_, _, err = w.s.Partnerships(w.ctx, w.org.ID, p)
		require.ErrorIs(t, err, store.ErrInvalid, "Partnerships after %q", c)
	}
	for _, c := range []string{"!!", base64.RawURLEncoding.EncodeToString([]byte("a b")), base64.RawURLEncoding.EncodeToString([]byte("x\x00"))} {
		_, _, err := w.s.Roles(w.ctx, w.org.ID, store.Page{After: c})
		require.ErrorIs(t, err, store.ErrInvalid, "Roles after %q", c)
	}
	// The keys of an unknown member, or of a member of another
	// organisation, are not found; an unknown organisation lists nothing.
	nobody := uuid.New()
	_, _, err = w.s.Keys(w.ctx, nobody, w.editor.ID, store.Page{})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, _, err = w.s.Keys(w.ctx, w.org.ID, nobody, store.Page{})
	require.ErrorIs(t, err, store.ErrNotFound)
	ks, next, err := w.s.Keys(w.ctx, w.org.ID, w.viewer.ID, store.Page{})
	require.NoError(t, err, "a member without keys lists none")
	require.Empty(t, ks)
	require.Empty(t, next)
	rs, _, err := w.s.Roles(w.ctx, nobody, store.Page{})
	require.NoError(t, err)
	require.Empty(t, rs)
	pss, _, err := w.s.Partnerships(w.ctx, nobody, store.Page{})
	require.NoError(t, err)
	require.Empty(t, pss)
}

// pagedList reads a list size items a page and requires pages pages, each
// full but the last, with a cursor after each but the last; it returns the
// items, which must be those of one page of MaxPageSize, in the same order.
func pagedList[T any](t *testing.T, size, pages int, list func(store.Page) ([]T, string, error)) []T {
	t.Helper()
	var all []T
	n := 0
	for p := (store.Page{Limit: size}); ; n++ {
		items, next, err := list(p)
		require.NoError(t, err)
		if next != "" {
			require.Len(t, items, size, "page %d is not full but has a next page", n)
		} else {
			require.LessOrEqual(t, len(items), size)
		}
		all = append(all, items...)
		if next == "" {
			break
		}
		p.After = next
	}
	require.Equal(t, pages, n+1, "pages of %d", size)
	whole, next, err := list(store.Page{Limit: store.MaxPageSize})
	require.NoError(t, err)
	require.Empty(t, next)
	require.Equal(t, whole, all, "paging gives each item once, in order")
	return all
}

// A member holds at most member.MaxKeysPerMember API keys, also when
// workers issue the last ones at once; the one more is ErrLimitReached and
// writes nothing; revoking one frees its place.
func testKeyLimit(t *testing.T, f Factory) {
	w := newWorld(t, f)
	issue := func(name string) (store.Key, error) {
		k, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID, name)
		return k, err
	}
	const free = workers / 2
	for i := range member.MaxKeysPerMember - free {
		_, err := issue(fmt.Sprint("key-", i))
		require.NoError(t, err)
	}
	ok := atLimit(t, func(g int) error {
		_, err := issue(fmt.Sprint("last-", g))
		return err
	})
	require.Equal(t, free, ok, "the free places, and not one more, are taken")
	keys, _, err := w.s.Keys(w.ctx, w.org.ID, w.editor.ID, store.Page{Limit: store.MaxPageSize})
	require.NoError(t, err)
	require.Len(t, keys, member.MaxKeysPerMember)

	n := len(w.events(w.org.ID))
	w.refuse(w.org.ID, member.ErrLimitReached, func() error { _, err := issue("one more"); return err })
	require.Len(t, w.events(w.org.ID), n, "a refusal writes no event")
	code, status := store.ErrorCode(fmt.Errorf("x: %w", member.ErrLimitReached))
	require.Equal(t, "limit_reached", code)
	require.Equal(t, 409, status)
	// The limit is the member's: another still gets keys.
	_, _, err = member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.admin.ID, "admin's")
	require.NoError(t, err)
	require.NoError(t, member.RevokeKey(w.ctx, w.s, w.org.ID, w.editor.ID, keys[0].ID))
	_, err = issue("after a revocation")
	require.NoError(t, err)
}

// An organisation holds at most member.MaxCustomRoles custom roles, also
// when workers create the last ones at once; the one more is
// ErrLimitReached and writes nothing; deleting one frees its place.
func testRoleLimit(t *testing.T, f Factory) {
	w := newWorld(t, f)
	create := func(name string) error {
		_, err := member.CreateRole(w.ctx, w.s, w.org.ID, w.owner.ID, name, "", access.SetOf(fixture.ViewProducts))
		return err
	}
	const free = workers / 2
	for i := range member.MaxCustomRoles - free {
		require.NoError(t, create(fmt.Sprintf("role-%03d", i)))
	}
	ok := atLimit(t, func(g int) error { return create(fmt.Sprint("last-", g)) })
	require.Equal(t, free, ok, "the free places, and not one more, are taken")
	roles, _, err := w.s.Roles(w.ctx, w.org.ID, store.Page{Limit: store.MaxPageSize})
	require.NoError(t, err)
	require.Len(t, roles, member.MaxCustomRoles)

	n := len(w.events(w.org.ID))
	w.refuse(w.org.ID, member.ErrLimitReached, func() error { return create("one-more") })
	require.Len(t, w.events(w.org.ID), n, "a refusal writes no event")
	// A refusal for another reason keeps its own error.
	w.refuse(w.org.ID, store.ErrExists, func() error { return create("role-000") })
	require.NoError(t, member.DeleteRole(w.ctx, w.s, w.org.ID, w.owner.ID, "role-000"))
	require.NoError(t, create("after-a-deletion"))
}

// atLimit runs op once in each of workers goroutines at once and returns
// how many succeeded; every other must be ErrLimitReached.
func atLimit(t *testing.T, op func(g int) error) int {
	var ok atomic.Int32
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := op(g); err == nil {
				ok.Add(1)
			} else if !errors.Is(err, member.ErrLimitReached) {
				t.Errorf("worker %d: %v, want ErrLimitReached", g, err)
			}
		}()
	}
	wg.Wait()
	return int(ok.Load())
}

// testObserver checks what an Observer is told: each unit of work with its
// rule, organisations, actor, events, duration and outcome.
func testObserver(t *testing.T, f Factory) {
	var mu sync.Mutex
	var units []store.Unit
	clock := fixture.NewClock()
	env := fixture.NewEnv(clock, 41)
	env.Observer = store.ObserverFunc(func(_ context.Context, u store.Unit) {
		mu.Lock()
		units = append(units, u)
		mu.Unlock()
	})
	s := f(t, env)
	ctx := context.Background()
	last := func() store.Unit {
		mu.Lock()
		defer mu.Unlock()
		require.NotEmpty(t, units)
		return units[len(units)-1]
	}
	org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	require.NoError(t, err)
	u := last()
	require.Equal(t, "member.CreateOrg", u.Rule)
	require.Equal(t, []store.ID{org.ID}, u.Orgs)
	require.Equal(t, []store.EventType{store.OrgCreated}, u.Events)
	require.NoError(t, u.Err)
	require.Positive(t, u.Duration)

	viewer, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{Role: "viewer", NewUser: member.NewUser{UserID: "vic", Email: "vic@acme.io"}})
	require.NoError(t, err)
	u = last()
	require.Equal(t, "member.AddMember", u.Rule)
	require.Equal(t, owner.ID, u.Actor)
	require.Equal(t, []store.EventType{store.MemberAdded}, u.Events)
	require.False(t, u.Refused())

	_, err = member.ChangeRole(ctx, s, org.ID, viewer.ID, owner.ID, "viewer")
	require.ErrorIs(t, err, member.ErrForbidden)
	u = last()
	require.Equal(t, "member.ChangeRole", u.Rule)
	require.Equal(t, viewer.ID, u.Actor)
	require.ErrorIs(t, u.Err, member.ErrForbidden)
	require.True(t, u.Refused())
	require.Empty(t, u.Events, "a refusal wrote nothing")

	// A token's path, and a unit of work the host opened.
	_, tok, err := invite.Send(ctx, s, org.ID, owner.ID, invite.NewInvitation{Email: "bo@acme.io", Role: "editor"})
	require.NoError(t, err)
	require.Equal(t, "invite.Send", last().Rule)
	_, err = invite.Accept(ctx, s, tok, member.NewUser{UserID: "bo", Email: "bo@acme.io"})
	require.NoError(t, err)
	u = last()
	require.Equal(t, "invite.Accept", u.Rule)
	require.Equal(t, []store.ID{org.ID}, u.Orgs)
	require.Equal(t, []store.EventType{store.InvitationAccepted}, u.Events)
	require.NoError(t, s.Update(ctx, org.ID, func(tx store.Tx) error {
		_, err := member.DeactivateTx(ctx, tx, owner.ID, viewer.ID)
		return err
	}))
	u = last()
	require.Equal(t, "", u.Rule, "the host's own unit of work")
	require.Equal(t, owner.ID, u.Actor)
	require.Equal(t, []store.EventType{store.MemberDeactivated}, u.Events)

	// The slog adapter: a refusal at Info with its code.
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store.SlogObserver(l).Unit(ctx, store.Unit{Rule: "member.ChangeRole", Orgs: []store.ID{org.ID}, Actor: viewer.ID, Err: fmt.Errorf("x: %w", member.ErrForbidden)})
	store.SlogObserver(l).Unit(ctx, store.Unit{Rule: "member.AddMember", Events: []store.EventType{store.MemberAdded}})
	store.SlogObserver(l).Unit(ctx, store.Unit{Rule: "member.AddMember", Err: errors.New("disk on fire")})
	out := buf.String()
	require.Contains(t, out, `level=INFO msg="roster: refused" rule=member.ChangeRole`)
	require.Contains(t, out, "code=forbidden")
	require.Contains(t, out, `level=DEBUG msg="roster: committed" rule=member.AddMember`)
	require.Contains(t, out, `level=ERROR msg="roster: failed"`)
}

// seats returns Tx.Seats in a unit of work of org beside a full recount
// read after it: every staff member, of any status, and every pending
// invitation for staff open at the unit of work's time.
func (w *world) seats(org store.ID) (got, recount int) {
	w.t.Helper()
	var now time.Time
	require.NoError(w.t, w.s.Update(w.ctx, org, func(tx store.Tx) error {
		var err error
		now = tx.Now()
		got, err = tx.Seats(w.ctx)
		return err
	}))
	for p := (store.Page{Limit: 3}); ; {
		ms, next, err := w.s.Members(w.ctx, org, store.Filter{}, p)
		require.NoError(w.t, err)
		for _, m := range ms {
			if m.Kind == store.Staff {
				recount++
			}
		}
		if p.After = next; next == "" {
			break
		}
	}
	for p := (store.Page{Limit: 3}); ; {
		is, next, err := w.s.Invitations(w.ctx, org, store.InvitationFilter{}, p)
		require.NoError(w.t, err)
		for _, i := range is {
			if i.Kind == store.ForMember && i.Open(now) {
				recount++
			}
		}
		if p.After = next; next == "" {
			break
		}
	}
	return got, recount
}

// checkSeats says that org's seats are its recount, and how many.
func (w *world) checkSeats(org store.ID, want int, after string) {
	w.t.Helper()
	got, recount := w.seats(org)
	require.Equal(w.t, recount, got, "seats against a full recount, after %s", after)
	require.Equal(w.t, want, got, "seats after %s", after)
}

// testSeatCounter: the seats an organisation keeps as it changes (a counter
// on sqlstore) are, after every kind of change, a full recount of its
// members and open invitations.
func testSeatCounter(t *testing.T, f Factory) {
	w := newWorld(t, f)
	org := w.org.ID
	w.checkSeats(org, 5, "the world's five members")
	_, err := member.SetSeatLimit(w.ctx, w.s, org, 100)
	require.NoError(t, err)

	a := w.add(w.owner, "editor")
	w.checkSeats(org, 6, "an add")
	require.NoError(t, member.Remove(w.ctx, w.s, org, w.owner.ID, a.ID))
	w.checkSeats(org, 5, "a remove")

	inv, tok, u := w.send(w.owner, "viewer")
	w.checkSeats(org, 6, "a send")
	accepted, err := invite.Accept(w.ctx, w.s, tok, u)
	require.NoError(t, err)
	invited := accepted.Member
	w.checkSeats(org, 6, "an accept")
	_, _, _ = w.send(w.owner, "viewer")
	w.checkSeats(org, 7, "a second send")
	cancelled, _, _ := w.send(w.owner, "viewer")
	require.NoError(t, invite.Cancel(w.ctx, w.s, org, w.owner.ID, cancelled.ID))
	w.checkSeats(org, 7, "a send and a cancel")
	_ = inv

	// An external collaborator takes no seat.
	req, err := invite.RequestAccess(w.ctx, w.s, org, w.user(), access.SetOf(fixture.EditProducts), "please", "")
	require.NoError(t, err)
	ext, err := invite.Approve(w.ctx, w.s, org, w.owner.ID, req.ID, access.SetOf(fixture.EditProducts))
	require.NoError(t, err)
	require.Equal(t, store.External, ext.Kind)
	w.checkSeats(org, 7, "an approved request")

	_, err = member.Deactivate(w.ctx, w.s, org, w.owner.ID, invited.ID)
	require.NoError(t, err)
	w.checkSeats(org, 7, "a deactivation")
	_, err = member.Reactivate(w.ctx, w.s, org, w.owner.ID, invited.ID)
	require.NoError(t, err)
	require.NoError(t, member.Leave(w.ctx, w.s, org, invited.ID))
	w.checkSeats(org, 6, "a leave")
	require.NoError(t, member.TransferOwnership(w.ctx, w.s, org, w.owner.ID, w.admin.ID))
	w.checkSeats(org, 6, "a transfer")
	require.NoError(t, member.Leave(w.ctx, w.s, org, w.owner.ID))
	w.checkSeats(org, 5, "the former owner's leave")
	require.NoError(t, member.Remove(w.ctx, w.s, org, w.admin.ID, ext.ID))
	w.checkSeats(org, 5, "an external collaborator's removal")

	// The kind changed by a host's writes inside a unit of work: of a
	// member read in it, and of one it writes without reading.
	require.NoError(t, w.s.Update(w.ctx, org, func(tx store.Tx) error {
		m, err := tx.Member(w.ctx, w.viewer.ID)
		if err != nil {
			return err
		}
		m.Kind = store.External
		return tx.PutMember(w.ctx, m)
	}))
	w.checkSeats(org, 4, "a member read and made external")
	blind := w.get(w.viewer)
	blind.Kind = store.Staff
	require.NoError(t, w.s.Update(w.ctx, org, func(tx store.Tx) error { return tx.PutMember(w.ctx, blind) }))
	w.checkSeats(org, 5, "a member made staff again, unread")
	require.NoError(t, w.s.Update(w.ctx, org, func(tx store.Tx) error { return tx.PutMember(w.ctx, blind) }))
	w.checkSeats(org, 5, "the same member written again, unread")
	require.NoError(t, w.s.Update(w.ctx, org, func(tx store.Tx) error { return tx.DeleteMember(w.ctx, w.editor.ID) }))
	w.checkSeats(org, 4, "a member deleted unread")

	// A refused unit of work changes no seat.
	boom := errors.New("boom")
	require.ErrorIs(t, w.s.Update(w.ctx, org, func(tx store.Tx) error {
		if err := tx.DeleteMember(w.ctx, w.manager.ID); err != nil {
			return err
		}
		return boom
	}), boom)
	w.checkSeats(org, 4, "a refused deletion")

	// Expiry frees the seat at the unit of work's time.
	w.clock.Advance(30 * 24 * time.Hour)
	w.checkSeats(org, 3, "the pending invitation's expiry")

	// Deleting another organisation leaves this one's seats.
	other, otherOwner := w.newOrg("Other", 10)
	w.add(otherOwner, "viewer")
	w.checkSeats(other.ID, 2, "another organisation's add")
	require.NoError(t, member.DeleteOrg(w.ctx, w.s, other.ID, otherOwner.ID))
	w.checkSeats(org, 3, "another organisation's deletion")
}

// testSeatsAsInvitationsExpire: pending invitations hold seats until their
// expiry, and the counters a store keeps of them (orgs.invited, lapsed and
// horizon on sqlstore, an index by expiry on memstore) agree with a full
// recount as invitations expire one by one, are resent after their expiry,
// cancelled after it, rewritten by a host with or without reading them, at
// the very instant of an expiry, with the clock moved back, and in a unit
// of work that is refused after the seat check.
func testSeatsAsInvitationsExpire(t *testing.T, f Factory) {
	w := newWorld(t, f)
	org := w.org.ID
	_, err := member.SetSeatLimit(w.ctx, w.s, org, 100)
	require.NoError(t, err)
	send := func(ttl time.Duration) store.Invitation {
		t.Helper()
		inv, _, err := invite.Send(w.ctx, w.s, org, w.owner.ID, invite.NewInvitation{Email: w.user().Email, Role: "viewer", TTL: ttl})
		require.NoError(t, err)
		return inv
	}
	day := 24 * time.Hour
	one, two, three := send(day), send(2*day), send(3*day)
	w.checkSeats(org, 8, "three sends")

	w.clock.Advance(day)
	w.checkSeats(org, 7, "the first expiry, at its very instant")
	w.checkSeats(org, 7, "the first expiry, counted again")
	w.clock.Advance(-time.Microsecond)
	w.checkSeats(org, 8, "the clock moved back before the first expiry")
	w.clock.Advance(time.Microsecond)
	w.checkSeats(org, 7, "the clock back at the first expiry")

	_, _, err = invite.Resend(w.ctx, w.s, org, w.owner.ID, one.ID)
	require.NoError(t, err)
	w.checkSeats(org, 8, "a resend of the expired invitation")

	w.clock.Advance(36 * time.Hour)
	w.checkSeats(org, 6, "the second expiry, and the first again (a resend keeps its TTL)")
	require.NoError(t, invite.Cancel(w.ctx, w.s, org, w.owner.ID, two.ID))
	w.checkSeats(org, 6, "a cancel of the expired invitation")

	// A host's writes: an expired invitation made pending again for a day
	// without reading it, and an open one moved into the past after
	// reading it.
	blind, err := w.s.Invitation(w.ctx, org, two.ID)
	require.NoError(t, err)
	blind.Status, blind.Expires = store.Pending, w.clock.Now().Add(day)
	require.NoError(t, w.s.Update(w.ctx, org, func(tx store.Tx) error { return tx.PutInvitation(w.ctx, blind) }))
	w.checkSeats(org, 7, "a cancelled invitation made pending again, unread")
	require.NoError(t, w.s.Update(w.ctx, org, func(tx store.Tx) error {
		inv, err := tx.Invitation(w.ctx, three.ID)
		if err != nil {
			return err
		}
		inv.Expires = tx.Now().Add(-time.Hour)
		return tx.PutInvitation(w.ctx, inv)
	}))
	w.checkSeats(org, 6, "an open invitation moved into the past")
	blind.Expires = w.clock.Now().Add(-2 * time.Hour)
	require.NoError(t, w.s.Update(w.ctx, org, func(tx store.Tx) error { return tx.PutInvitation(w.ctx, blind) }))
	w.checkSeats(org, 5, "a pending invitation moved into the past, unread")
	blind.Expires = w.clock.Now().Add(day)
	require.NoError(t, w.s.Update(w.ctx, org, func(tx store.Tx) error { return tx.PutInvitation(w.ctx, blind) }))
	w.checkSeats(org, 6, "a lapsed invitation moved into the future, unread")

	// A unit of work refused after its seat check (which may move what
	// the store keeps of expired invitations) keeps nothing of it. Two
	// days on, every invitation has expired; three days back, three are
	// open.
	w.clock.Advance(2 * day)
	boom := errors.New("boom")
	require.ErrorIs(t, w.s.Update(w.ctx, org, func(tx store.Tx) error {
		n, err := tx.Seats(w.ctx)
		if err != nil {
			return err
		}
		require.Equal(t, 5, n, "the seats in the refused unit of work")
		return boom
	}), boom)
	w.clock.Advance(-3 * day)
	w.checkSeats(org, 8, "the clock moved back before three expiries, after a refused seat check")
	w.clock.Advance(3 * day)
	w.checkSeats(org, 5, "every expiry")

	// Accepting, and a new send to the address of an expired invitation,
	// which closes it.
	_, tok, u := w.send(w.owner, "viewer")
	w.checkSeats(org, 6, "a send")
	_, err = invite.Accept(w.ctx, w.s, tok, u)
	require.NoError(t, err)
	w.checkSeats(org, 6, "an accept")
	_, _, err = invite.Send(w.ctx, w.s, org, w.owner.ID, invite.NewInvitation{Email: two.Email, Role: "viewer"})
	require.NoError(t, err)
	w.checkSeats(org, 7, "a send to the address of an expired invitation, which closes it")
}
