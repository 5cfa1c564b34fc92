package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

func testAuditAttribution(t *testing.T, f Factory) {
	w := newWorld(t, f)
	_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.manager.ID, w.editor.ID, "viewer")
	require.NoError(t, err)
	require.NoError(t, member.Remove(w.ctx, w.s, w.org.ID, w.owner.ID, w.manager.ID))
	evs := w.events(w.org.ID)
	var found bool
	for _, e := range evs {
		if e.Type == store.MemberRoleChanged {
			found = true
			require.Equal(t, store.Party{Member: w.manager.ID, UserID: w.manager.UserID, Name: w.manager.Name, Email: w.manager.Email}, e.Actor,
				"the actor's snapshot survives its removal")
			require.Equal(t, w.editor.Name, e.Target.Name)
			require.False(t, e.Time.IsZero())
			require.NotEqual(t, uuid.Nil, e.ID)
		}
	}
	require.True(t, found)

	// People read the log through AuditLog, gated by access.ReadAudit.
	_, err = member.AuditLog(w.ctx, w.s, w.org.ID, w.viewer.ID, 0, 10)
	require.ErrorIs(t, err, member.ErrForbidden)
	_, err = member.AuditLog(w.ctx, w.s, w.org.ID, w.manager.ID, 0, 10)
	require.ErrorIs(t, err, store.ErrNotFound, "the removed manager reads nothing")
	got, err := member.AuditLog(w.ctx, w.s, w.org.ID, w.admin.ID, 2, 3)
	require.NoError(t, err)
	require.Equal(t, evs[2:5], got)
}
