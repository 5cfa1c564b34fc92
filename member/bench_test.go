package member_test

import (
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/store"
)

var sink int

// BenchmarkMemberCan is the check on a loaded member: it must cost what the
// bit test on its grant costs.
func BenchmarkMemberCan(b *testing.B) {
	env := testEnv(b, time.Now)
	m := store.Member{Role: "member", Status: store.Active, Kind: store.Staff, Allow: access.SetOf(0)}
	store.Resolve(env.Policy, &m, access.Set{})
	hits := 0
	for i := 0; b.Loop(); i++ {
		if m.Can(access.Permission(i & 1)) {
			hits++
		}
	}
	if hits == 0 {
		b.Fatal("the member can do nothing")
	}
	sink = hits
}
