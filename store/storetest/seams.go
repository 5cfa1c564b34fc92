package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// testEndsAtTheSeams: a member's end where the features of other rules
// meet it: the system's successor, an organisation switcher's list, the
// pending list's actor, and a partnership whose partner was deleted.
func testEndsAtTheSeams(t *testing.T, f Factory) {
	w := newPartnerWorld(t, f)
	org := w.org.ID
	now := w.clock.Now()
	_, err := member.SetExpiry(w.ctx, w.s, org, w.owner.ID, w.admin.ID, now.Add(time.Hour))
	require.NoError(t, err)
	contract := now.Add(time.Hour)
	_, err = invite.ChangePartner(w.ctx, w.s, org, w.owner.ID, w.ps.ID, invite.PartnerChange{Until: &contract})
	require.NoError(t, err)
	w.clock.Advance(time.Hour)

	// The system cannot make an ended member the owner, and changes
	// nothing trying.
	sys := member.AsSystem(w.ctx, "support")
	w.refuse(org, member.ErrInactive, func() error {
		return member.RemoveOwner(sys, w.s, org, member.System, w.admin.ID)
	})
	require.True(t, w.get(w.owner).IsOwner())

	// An organisation switcher's list settles the end as every read does.
	ms, _, err := w.s.UserOrgs(w.ctx, w.admin.UserID, store.Page{})
	require.NoError(t, err)
	require.Len(t, ms, 1)
	require.False(t, ms[0].Member.Can(fixture.ViewProducts), "UserOrgs: the member's access ended")

	// The pending list refuses an ended actor as AuditLog does.
	_, _, err = invite.ListPending(w.ctx, w.s, org, w.admin.ID, store.Page{})
	require.ErrorIs(t, err, member.ErrInactive)

	// A partnership whose partner organisation was deleted: the sweep
	// records its end in the granting organisation alone, once, and does
	// not come back to it.
	require.NoError(t, member.DeleteOrg(w.ctx, w.s, w.retail.ID, w.rOwner.ID))
	n, err := member.ExpireDue(w.ctx, w.s, 10)
	require.NoError(t, err)
	require.Equal(t, 2, n, "the admin's end and the partnership's")
	evs := w.ofType(org, store.PartnerExpired)
	require.Len(t, evs, 1)
	require.Equal(t, w.ps.ID, evs[0].Object)
	require.Equal(t, w.retail.ID, evs[0].Target.Org)
	due, err := w.s.EndsDue(w.ctx, w.clock.Now(), 10)
	require.NoError(t, err)
	require.Empty(t, due, "nothing is left for the sweep")
	n, err = member.ExpireDue(w.ctx, w.s, 10)
	require.NoError(t, err)
	require.Zero(t, n)
}
