package access_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
)

// TestGrantUntil: a grant with an end allows what it holds before it and
// nothing from it on (At), says why (Ended), and stays ended through a key
// (Through), whatever the key's policy; LimitUntil keeps the sooner end.
func TestGrantUntil(t *testing.T) {
	p := seed003(t)
	editor, _ := p.RolePerms("editor")
	end := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	g := access.NewGrant(access.GrantSpec{Policy: p, Role: "editor", RolePerms: editor, Active: true, Until: end})
	if !g.Until().Equal(end) {
		t.Fatalf("Until = %v", g.Until())
	}
	if before := g.At(end.Add(-time.Nanosecond)); !before.Can(ViewProducts) || before.Ended() {
		t.Fatal("a grant before its end allows what it holds")
	}
	after := g.At(end)
	if after.Can(ViewProducts) || after.Active() || !after.Ended() || after.CanDo(access.Invite) {
		t.Fatal("a grant at its end allows something")
	}
	if d := after.Explain(ViewProducts); d.Reason != access.Ended || !strings.Contains(d.String(), "ended at 2026-07-01T00:00:00Z") {
		t.Fatalf("Explain = %v (%v)", d, d.Reason)
	}
	if d := after.ExplainDo(access.Invite); d.Reason != access.Ended {
		t.Fatalf("ExplainDo = %v", d)
	}
	if !g.Can(ViewProducts) {
		t.Fatal("At changed g: it must return a copy")
	}
	if key := after.Through(access.FromKey, "key rkey_1234", true); key.Can(ViewProducts) || key.Explain(ViewProducts).Reason != access.Ended {
		t.Fatal("a key must stop with its member's access")
	}
	none := access.NewGrant(access.GrantSpec{Policy: p, Role: "editor", RolePerms: editor, Active: true})
	if !none.At(end.AddDate(100, 0, 0)).Can(ViewProducts) {
		t.Fatal("a grant without an end ended")
	}
	if !none.LimitUntil(end).Until().Equal(end) || !g.LimitUntil(end.Add(time.Hour)).Until().Equal(end) ||
		!g.LimitUntil(end.Add(-time.Hour)).Until().Equal(end.Add(-time.Hour)) {
		t.Fatal("LimitUntil must keep the sooner end")
	}
	var zero access.Grant
	if zero.At(end).Can(ViewProducts) || zero.Ended() {
		t.Fatal("the zero Grant allows something, or ended")
	}
}
