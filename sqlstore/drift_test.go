package sqlstore_test

import (
	"context"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// TestStoredNames writes rows with SQL, as an older version of the host
// (or of roster) left them: a member's permissions with names the policy
// never had, a role the policy never had. Each member loads, the unknown
// names grant nothing and are listed by member.Drift; the list of members
// does not fail. A row that does not decode at all (scopes that are no
// scopes: no write of roster makes one) fails the reads that meet it, with
// an error that names the member, and the member alone: the others load.
func TestStoredNames(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			s, db := newStore(t, d, fixture.NewEnv(fixture.NewClock(), 3))
			org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
			require.NoError(t, err)
			add := func(user, role string) store.Member {
				m, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{Role: role, NewUser: member.NewUser{UserID: user, Email: user + "@acme.io"}})
				require.NoError(t, err)
				return m
			}
			vic, gus, zed := add("vic", "viewer"), add("gus", "editor"), add("zed", "viewer")
			p := s.Prefix()
			exec := func(q string, args ...any) {
				t.Helper()
				_, err := db.ExecContext(ctx, d.Rebind(q), args...)
				require.NoError(t, err)
			}
			exec(`UPDATE `+p+`members SET allow = ?, deny = ? WHERE id = ?`, "products.edit,reports.view", "no.such", dialectID(d, vic.ID))
			exec(`UPDATE `+p+`members SET role = ? WHERE id = ?`, "auditor", dialectID(d, gus.ID))

			ms, _, err := s.Members(ctx, org.ID, store.Filter{}, store.Page{})
			require.NoError(t, err)
			require.Len(t, ms, 4)
			v, err := s.Member(ctx, org.ID, vic.ID)
			require.NoError(t, err)
			require.Equal(t, access.SetOf(fixture.EditProducts), v.Allow)
			require.True(t, v.Can(fixture.EditProducts))
			require.Equal(t, []store.StaleName{{Field: store.FieldAllow, Name: "reports.view"}, {Field: store.FieldDeny, Name: "no.such"}}, v.Stale)
			g, err := s.MemberByUser(ctx, org.ID, "gus")
			require.NoError(t, err)
			require.Equal(t, "auditor", g.Role)
			require.True(t, g.Grant().Held().IsEmpty(), "an unknown role grants nothing")
			drift, err := member.Drift(ctx, s, org.ID)
			require.NoError(t, err)
			require.Equal(t, []store.Drift{
				{Kind: "member", ID: vic.ID, Field: store.FieldAllow, Name: "reports.view"},
				{Kind: "member", ID: vic.ID, Field: store.FieldDeny, Name: "no.such"},
				{Kind: "member", ID: gus.ID, Field: store.FieldRole, Name: "auditor"},
			}, sortedDrift(drift, vic.ID, gus.ID))

			// Written back as they were, beside the change.
			_, err = member.SetScopes(ctx, s, org.ID, owner.ID, vic.ID, access.MustScopes("site:a"))
			require.NoError(t, err)
			var allow, deny string
			require.NoError(t, db.QueryRowContext(ctx, d.Rebind(`SELECT allow, deny FROM `+p+`members WHERE id = ?`), dialectID(d, vic.ID)).Scan(&allow, &deny))
			require.Equal(t, "products.edit,reports.view", allow)
			require.Equal(t, "no.such", deny)

			// A corrupt row: the error names the member.
			exec(`UPDATE `+p+`members SET scopes = ? WHERE id = ?`, "not a scope", dialectID(d, zed.ID))
			_, _, err = s.Members(ctx, org.ID, store.Filter{}, store.Page{})
			require.ErrorContains(t, err, zed.ID.String())
			_, err = s.Member(ctx, org.ID, zed.ID)
			require.ErrorContains(t, err, zed.ID.String())
			_, err = s.Member(ctx, org.ID, vic.ID)
			require.NoError(t, err, "the others load")
		})
	}
}

// sortedDrift orders a drift list by the members' order given, then as it
// came.
func sortedDrift(ds []store.Drift, order ...store.ID) []store.Drift {
	var out []store.Drift
	for _, id := range order {
		for _, d := range ds {
			if d.ID == id {
				out = append(out, d)
			}
		}
	}
	return out
}
