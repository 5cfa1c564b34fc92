package storetest

import (
	"context"
	"testing"
	"time"

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
		_, err = w.s.UserOrgs(w.ctx, bad)
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
