package access_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
)

// refusedQuickly checks that err refuses an oversized policy as too large,
// quickly: within 2 s (10 s under the race detector), where work that grew
// with the square of the input would take minutes; json.Unmarshal scans the
// whole document before the Policy sees it.
func refusedQuickly(t *testing.T, what string, took time.Duration, err error, says string) {
	t.Helper()
	if !errors.Is(err, access.ErrInvalidPolicy) || !errors.Is(err, access.ErrPolicyTooLarge) {
		t.Errorf("%s: %v; want ErrInvalidPolicy and ErrPolicyTooLarge", what, err)
	} else if !strings.Contains(err.Error(), says) {
		t.Errorf("%s: error %q does not say %q", what, err, says)
	}
	t.Logf("%s: refused in %v", what, took)
	if took > raceSlowdown*2*time.Second {
		t.Errorf("%s: took %v to refuse", what, took)
	}
}

func TestPolicySizeIsBounded(t *testing.T) {
	roles := func(n int) access.Spec {
		spec := seed003Spec()
		for i := len(spec.Roles); i < n; i++ {
			spec.Roles = append(spec.Roles, access.RoleSpec{Name: fmt.Sprintf("role_%d", i), Permissions: access.SetOf(ViewProducts)})
		}
		return spec
	}
	for _, tc := range []struct {
		name string
		spec access.Spec
		says string
	}{
		{"100,000 roles", roles(100_000), "100000 roles"},
		{"MaxRoles+1 roles", roles(access.MaxRoles + 1), fmt.Sprintf("at most %d", access.MaxRoles)},
		{"20,000 policy fields", func() access.Spec {
			s := seed003Spec()
			for i := range 20_000 {
				s.Fields = append(s.Fields, fmt.Sprintf("f%d", i))
			}
			return s
		}(), "20000 fields"},
		{"MaxFields+1 role fields", func() access.Spec {
			s := seed003Spec()
			for i := range access.MaxFields + 1 {
				s.Roles[2].Fields = append(s.Roles[2].Fields, fmt.Sprintf("f%d", i))
			}
			return s
		}(), `role "editor"`},
		{"long permission label", func() access.Spec {
			s := seed003Spec()
			s.Permissions[EditProducts].Label = strings.Repeat("é", access.MaxLabelLen/2+1)
			return s
		}(), `permission "products.edit"`},
		{"long role label", func() access.Spec {
			s := seed003Spec()
			s.Roles[1].Label = strings.Repeat("x", access.MaxLabelLen+1)
			return s
		}(), `role "admin"`},
	} {
		start := time.Now()
		_, err := access.NewPolicy(tc.spec)
		refusedQuickly(t, "NewPolicy with "+tc.name, time.Since(start), err, tc.says)
	}

	// ParsePolicy refuses more than MaxPolicyBytes before decoding.
	var b strings.Builder
	b.WriteString(`{"permissions":["a"],"owner":"o","roles":[{"name":"o"}`)
	for i := range 100_000 {
		fmt.Fprintf(&b, `,{"name":"r%d","permissions":["a"]}`, i)
	}
	b.WriteString(`]}`)
	huge := []byte(b.String())
	start := time.Now()
	_, err := access.ParsePolicy(huge)
	refusedQuickly(t, fmt.Sprintf("ParsePolicy of %d bytes", len(huge)), time.Since(start), err, fmt.Sprintf("at most %d", access.MaxPolicyBytes))
	var p access.Policy
	start = time.Now()
	err = json.Unmarshal(huge, &p)
	refusedQuickly(t, "Policy.UnmarshalJSON", time.Since(start), err, "bytes")

	// Within MaxPolicyBytes, the counts bound it.
	b.Reset()
	b.WriteString(`{"permissions":["a"],"owner":"o","roles":[{"name":"o"}`)
	for i := range access.MaxRoles {
		fmt.Fprintf(&b, `,{"name":"r%d"}`, i)
	}
	b.WriteString(`]}`)
	start = time.Now()
	_, err = access.ParsePolicy([]byte(b.String()))
	refusedQuickly(t, "ParsePolicy of MaxRoles+1 roles", time.Since(start), err, fmt.Sprintf("at most %d", access.MaxRoles))
}

// Every Policy round-trips through ParsePolicy: NewPolicy refuses one whose
// JSON form exceeds MaxPolicyBytes, and accepts one at the other bounds.
func TestPolicyAtTheBoundsRoundTrips(t *testing.T) {
	spec := access.Spec{Owner: "owner"}
	for i := range access.MaxPermissions {
		spec.Permissions = append(spec.Permissions, access.PermissionSpec{
			Name: fmt.Sprintf("p%03d.%s", i, strings.Repeat("x", access.MaxNameLen-5)), Label: strings.Repeat("<", access.MaxLabelLen)})
	}
	spec.Roles = []access.RoleSpec{{Name: "owner"}}
	for i := range access.MaxRoles - 1 {
		spec.Roles = append(spec.Roles, access.RoleSpec{Name: fmt.Sprintf("r%d", i), Label: "&", Permissions: access.FirstN(access.MaxPermissions)})
	}
	for i := range access.MaxFields {
		spec.Fields = append(spec.Fields, fmt.Sprintf("field_%d", i))
	}
	start := time.Now()
	_, err := access.NewPolicy(spec)
	refusedQuickly(t, "NewPolicy whose JSON form is too large", time.Since(start), err, "JSON")

	// Near the bound, NewPolicy measures the JSON form exactly: find the
	// most roles it accepts, and check that policy parses back.
	all := spec.Roles
	lo, hi := 2, len(all) // NewPolicy accepts lo roles and refuses hi
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		spec.Roles = all[:mid]
		if _, err := access.NewPolicy(spec); err == nil {
			lo = mid
		} else if errors.Is(err, access.ErrPolicyTooLarge) {
			hi = mid
		} else {
			t.Fatal(err)
		}
	}
	spec.Roles = all[:lo]
	p, err := access.NewPolicy(spec)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(p)
	if len(data) > access.MaxPolicyBytes || len(data) > access.JSONBound(p) {
		t.Fatalf("%d roles: JSON form of %d bytes accepted, bound %d", lo, len(data), access.JSONBound(p))
	}
	if _, err := access.ParsePolicy(data); err != nil {
		t.Fatalf("%d roles: ParsePolicy of a Policy's own JSON: %v", lo, err)
	}
	spec.Roles = all[:hi]
	if q, err := access.NewPolicy(spec); err == nil {
		t.Fatalf("%d roles accepted", hi)
	} else if q != nil {
		t.Fatal(q)
	}
	t.Logf("%d roles of every permission fit in %d bytes (bound %d); %d do not", lo, len(data), access.JSONBound(p), hi)
}

// The policy's default invitation expiry is bounded like an invitation's own
// (invite.MaxTTL refers to MaxInviteExpiry).
func TestInviteExpiryIsBounded(t *testing.T) {
	const year = 365 * 24 * time.Hour
	if access.MaxInviteExpiry != year {
		t.Fatalf("MaxInviteExpiry = %v", access.MaxInviteExpiry)
	}
	for _, tc := range []struct {
		expiry time.Duration
		ok     bool
	}{{time.Hour, true}, {year, true}, {year + time.Second, false}, {10 * year, false}, {1<<63 - 1, false}} {
		spec := seed003Spec()
		spec.InviteExpiry = tc.expiry
		p, err := access.NewPolicy(spec)
		if tc.ok && (err != nil || p.InviteExpiry() != tc.expiry) {
			t.Errorf("NewPolicy with InviteExpiry %v = %v", tc.expiry, err)
		}
		if !tc.ok && (!errors.Is(err, access.ErrInvalidPolicy) || !strings.Contains(err.Error(), "MaxInviteExpiry")) {
			t.Errorf("NewPolicy with InviteExpiry %v = %v; want ErrInvalidPolicy naming MaxInviteExpiry", tc.expiry, err)
		}
		data := fmt.Sprintf(`{"permissions":["a"],"roles":[{"name":"o"},{"name":"m"}],"owner":"o","invite_expiry":%q}`, tc.expiry)
		p, err = access.ParsePolicy([]byte(data))
		if tc.ok && (err != nil || p.InviteExpiry() != tc.expiry) {
			t.Errorf("ParsePolicy(%s) = %v", data, err)
		}
		if !tc.ok && (!errors.Is(err, access.ErrInvalidPolicy) || !strings.Contains(err.Error(), "MaxInviteExpiry")) {
			t.Errorf("ParsePolicy(%s) = %v; want ErrInvalidPolicy naming MaxInviteExpiry", data, err)
		}
	}
}
