package access_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
)

// Seed 003's permissions, in the order of its matrix.
const (
	ViewProducts access.Permission = iota
	CreateProducts
	EditProducts
	DeleteProducts
	EnrichProducts
	ExportProducts
	ManageAttributes
	ManageProductTypes
	InviteMembers
	RemoveMembers
	ChangeRoles
	ManageBilling
	DeleteOrganization
)

func seed003Spec() access.Spec {
	editor := access.SetOf(ViewProducts, CreateProducts, EditProducts, DeleteProducts, EnrichProducts, ExportProducts)
	admin := editor.With(ManageAttributes, ManageProductTypes, InviteMembers, RemoveMembers, ChangeRoles)
	return access.Spec{
		Permissions: []access.PermissionSpec{
			ViewProducts:       {Name: "products.view", Label: "View products"},
			CreateProducts:     {Name: "products.create"},
			EditProducts:       {Name: "products.edit"},
			DeleteProducts:     {Name: "products.delete"},
			EnrichProducts:     {Name: "products.enrich"},
			ExportProducts:     {Name: "products.export"},
			ManageAttributes:   {Name: "attributes.manage"},
			ManageProductTypes: {Name: "product_types.manage"},
			InviteMembers:      {Name: "members.invite"},
			RemoveMembers:      {Name: "members.remove"},
			ChangeRoles:        {Name: "members.change_role"},
			ManageBilling:      {Name: "billing.manage"},
			DeleteOrganization: {Name: "organization.delete"},
		},
		Roles: []access.RoleSpec{
			{Name: "owner"},
			{Name: "admin", Permissions: admin},
			{Name: "editor", Permissions: editor},
			{Name: "viewer", Permissions: access.SetOf(ViewProducts)},
		},
		Owner: "owner",
		Gates: map[access.Action]access.Permission{
			access.Invite:     InviteMembers,
			access.Remove:     RemoveMembers,
			access.ChangeRole: ChangeRoles,
		},
	}
}

func seed003(t testing.TB) *access.Policy {
	t.Helper()
	p, err := access.NewPolicy(seed003Spec())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewPolicyErrors(t *testing.T) {
	tooMany := seed003Spec()
	for i := range 257 - len(tooMany.Permissions) {
		tooMany.Permissions = append(tooMany.Permissions, access.PermissionSpec{Name: fmt.Sprintf("extra.%d", i)})
	}
	for _, tc := range []struct {
		name   string
		mutate func(*access.Spec)
		want   error
		says   string
	}{
		{"empty permission name", func(s *access.Spec) { s.Permissions[3].Name = "" }, access.ErrEmptyName, "permission 3"},
		{"bad permission name", func(s *access.Spec) { s.Permissions[3].Name = "products delete" }, access.ErrInvalidName, "products delete"},
		{"long permission name", func(s *access.Spec) { s.Permissions[3].Name = strings.Repeat("x", 65) }, access.ErrInvalidName, "longer than 64"},
		{"duplicate permission", func(s *access.Spec) { s.Permissions[3].Name = "products.view" }, access.ErrDuplicateName, `"products.view" declared twice`},
		{"too many permissions", func(s *access.Spec) { *s = tooMany }, access.ErrTooManyPermissions, "257 declared"},
		{"empty role name", func(s *access.Spec) { s.Roles[2].Name = "" }, access.ErrEmptyName, "role"},
		{"duplicate role", func(s *access.Spec) { s.Roles[3].Name = "editor" }, access.ErrDuplicateName, `role "editor"`},
		{"role names unknown permission", func(s *access.Spec) { s.Roles[1].Permissions = s.Roles[1].Permissions.With(40) }, access.ErrUnknownPermission, `role "admin" grants {40}`},
		{"no owner", func(s *access.Spec) { s.Owner = "" }, access.ErrNoOwner, "Owner is empty"},
		{"owner not a role", func(s *access.Spec) { s.Owner = "boss" }, access.ErrUnknownRole, `"boss"`},
		{"owner with partial permissions", func(s *access.Spec) { s.Roles[0].Permissions = access.SetOf(ViewProducts) }, access.ErrInvalidPolicy, "holds every permission"},
		{"only an owner", func(s *access.Spec) { s.Roles = s.Roles[:1] }, access.ErrInvalidPolicy, "besides the owner"},
		{"gate names unknown permission", func(s *access.Spec) { s.Gates[access.ReadAudit] = 99 }, access.ErrUnknownPermission, "read_audit"},
		{"unknown action", func(s *access.Spec) { s.Gates[access.Action(200)] = ViewProducts }, access.ErrUnknownAction, "200"},
		{"demote to unknown", func(s *access.Spec) { s.DemoteOwnerTo = "boss" }, access.ErrUnknownRole, "boss"},
		{"demote to owner", func(s *access.Spec) { s.DemoteOwnerTo = "owner" }, access.ErrUnknownRole, "non-owner"},
		{"negative expiry", func(s *access.Spec) { s.InviteExpiry = -time.Hour }, access.ErrInvalidPolicy, "negative"},
		{"bad field", func(s *access.Spec) { s.Roles[2].Fields = []string{"commission %"} }, access.ErrInvalidName, "commission"},
		{"duplicate field", func(s *access.Spec) { s.Fields = []string{"phone", "phone"} }, access.ErrDuplicateName, "phone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := seed003Spec()
			tc.mutate(&spec)
			p, err := access.NewPolicy(spec)
			if p != nil || !errors.Is(err, tc.want) || !errors.Is(err, access.ErrInvalidPolicy) {
				t.Fatalf("NewPolicy = %v, %v; want an error matching %v and ErrInvalidPolicy", p, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("error %q does not say %q", err, tc.says)
			}
		})
	}
}

func TestPolicyAccessors(t *testing.T) {
	p := seed003(t)
	if p.Len() != 13 || p.All().Len() != 13 {
		t.Fatalf("Len = %d, All = %v", p.Len(), p.All())
	}
	if perm, ok := p.Permission("products.edit"); !ok || perm != EditProducts {
		t.Fatalf("Permission(products.edit) = %v, %v", perm, ok)
	}
	if p.Name(EditProducts) != "products.edit" || p.Name(99) != "" {
		t.Fatal("Name is wrong")
	}
	if p.Label(ViewProducts) != "View products" || p.Label(EditProducts) != "products.edit" {
		t.Fatal("Label is wrong")
	}
	owner := p.Owner()
	if owner.Name != "owner" || !owner.Owner || owner.Perms != p.All() {
		t.Fatalf("Owner = %+v", owner)
	}
	if d := p.DemoteOwnerTo(); d.Name != "admin" {
		t.Fatalf("DemoteOwnerTo = %q, want the largest non-owner role, admin", d.Name)
	}
	if g, ok := p.Gate(access.Invite); !ok || g != InviteMembers {
		t.Fatal("Invite gate")
	}
	if _, ok := p.Gate(access.ChangeStatus); ok {
		t.Fatal("ChangeStatus should be the owner's alone")
	}
	if p.Lifecycle() != access.SetOf(InviteMembers, RemoveMembers, ChangeRoles) {
		t.Fatalf("Lifecycle = %v", p.Lifecycle())
	}
	if p.InviteExpiry() != 7*24*time.Hour {
		t.Fatalf("InviteExpiry = %v", p.InviteExpiry())
	}
	roles := p.Roles()
	roles[1].Perms = access.Set{}
	if r, _ := p.Role("admin"); r.Perms.IsEmpty() {
		t.Fatal("Roles returned the policy's own storage")
	}
}

func TestPolicyJSONRoundTrip(t *testing.T) {
	spec := seed003Spec()
	spec.InviteExpiry = 72 * time.Hour
	spec.InactiveKeysValid = true
	spec.Fields = []string{"phone"}
	spec.Roles[2].Fields = []string{"commission_pct"}
	p, err := access.NewPolicy(spec)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), `"owner","permissions"`) || !strings.Contains(string(data), `"members.invite"`) {
		t.Fatalf("unexpected JSON: %s", data)
	}
	back, err := access.ParsePolicy(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Spec(), p.Spec()) {
		t.Fatalf("round trip changed the policy:\n%+v\n%+v", back.Spec(), p.Spec())
	}
	var viaUnmarshal struct{ Policy *access.Policy }
	if err := json.Unmarshal([]byte(`{"Policy":`+string(data)+`}`), &viaUnmarshal); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(viaUnmarshal.Policy.Spec(), p.Spec()) {
		t.Fatal("UnmarshalJSON disagrees with ParsePolicy")
	}
	again, _ := json.Marshal(back)
	if string(again) != string(data) {
		t.Fatalf("second marshal differs:\n%s\n%s", data, again)
	}
}

func TestParsePolicyErrors(t *testing.T) {
	for _, tc := range []struct {
		json string
		want error
	}{
		{`{"permissions":["a"],"roles":[{"name":"o"},{"name":"m","permissions":["b"]}],"owner":"o"}`, access.ErrUnknownPermission},
		{`{"permissions":["a"],"roles":[{"name":"o"},{"name":"m"}],"owner":"o","gates":{"fly":"a"}}`, access.ErrUnknownAction},
		{`{"permissions":["a"],"roles":[{"name":"o"},{"name":"m"}],"owner":"o","gates":{"invite":"b"}}`, access.ErrUnknownPermission},
		{`{"permissions":["a","a"],"roles":[{"name":"o"},{"name":"m"}],"owner":"o"}`, access.ErrDuplicateName},
		{`{"permissions":["a"],"roles":[{"name":"o"},{"name":"m"}]}`, access.ErrNoOwner},
		{`{"permissions":["a"],"roles":[{"name":"o"},{"name":"m"}],"owner":"o","colour":"red"}`, access.ErrInvalidPolicy},
		{`{"permissions":["a"],"roles":[{"name":"o"},{"name":"m"}],"owner":"o","invite_expiry":"soon"}`, access.ErrInvalidPolicy},
		{`{"permissions":["a"],"roles":[{"name":"o"},{"name":"m"}],"owner":"o","invite_expiry":"-1h"}`, access.ErrInvalidPolicy},
		{`{"permissions":["a"],"roles":[{"name":"o"},{"name":"m"}],"owner":"o"} {}`, access.ErrInvalidPolicy},
		{`[`, access.ErrInvalidPolicy},
	} {
		_, err := access.ParsePolicy([]byte(tc.json))
		if !errors.Is(err, tc.want) || !errors.Is(err, access.ErrInvalidPolicy) {
			t.Errorf("ParsePolicy(%s) = %v, want %v", tc.json, err, tc.want)
		}
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]error{
		"products.edit": nil, "a": nil, "Sales_Rep-2:x": nil,
		"": access.ErrEmptyName, "a b": access.ErrInvalidName, "é": access.ErrInvalidName,
		"a,b": access.ErrInvalidName, strings.Repeat("a", 65): access.ErrInvalidName,
	} {
		if err := access.ValidName(name); !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Errorf("ValidName(%q) = %v, want %v", name, err, want)
		}
	}
}

func TestActionNames(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range access.Actions() {
		name := a.String()
		if seen[name] || strings.HasPrefix(name, "action(") {
			t.Fatalf("action %d has name %q", a, name)
		}
		seen[name] = true
		back, err := access.ParseAction(name)
		if err != nil || back != a {
			t.Fatalf("ParseAction(%q) = %v, %v", name, back, err)
		}
	}
	if _, err := access.ParseAction("fly"); !errors.Is(err, access.ErrUnknownAction) {
		t.Fatal(err)
	}
}

func FuzzParsePolicy(f *testing.F) {
	good, _ := json.Marshal(access.MustPolicy(seed003Spec()))
	f.Add(good)
	f.Add([]byte(`{"permissions":["a",{"name":"b","label":"B"}],"roles":[{"name":"o"},{"name":"m","permissions":["a"]}],"owner":"o","gates":{"invite":"a"}}`))
	f.Add([]byte(`{"permissions":[],"roles":[],"owner":""}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := access.ParsePolicy(data)
		if err != nil {
			if !errors.Is(err, access.ErrInvalidPolicy) {
				t.Fatalf("error %v does not match ErrInvalidPolicy", err)
			}
			return
		}
		// Whatever parses must round-trip.
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) > access.JSONBound(p) {
			t.Fatalf("JSON form of %d bytes, beyond the bound %d NewPolicy uses", len(out), access.JSONBound(p))
		}
		q, err := access.ParsePolicy(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		if !reflect.DeepEqual(p.Spec(), q.Spec()) {
			t.Fatalf("round trip changed %s", out)
		}
	})
}

// FuzzParseSet feeds permission names from outside (configuration, JSON,
// a database) to the policy: every answer is a set of declared permissions
// or ErrUnknownPermission, and names round-trip.
func FuzzParseSet(f *testing.F) {
	p := access.MustPolicy(seed003Spec())
	f.Add("products.view,products.edit")
	f.Add("")
	f.Add("products.view,,x")
	f.Add("PRODUCTS.VIEW")
	f.Fuzz(func(t *testing.T, list string) {
		names := strings.Split(list, ",")
		s, err := p.ParseSet(names...)
		if err != nil {
			if !errors.Is(err, access.ErrUnknownPermission) {
				t.Fatalf("error %v is not ErrUnknownPermission", err)
			}
			return
		}
		if !s.SubsetOf(p.All()) {
			t.Fatalf("%v holds undeclared permissions", s)
		}
		back, err := p.Names(s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := p.ParseSet(back...)
		if err != nil || again != s {
			t.Fatalf("names %v of %v parse to %v, %v", back, s, again, err)
		}
	})
}

func TestZeroPolicy(t *testing.T) {
	var p access.Policy
	if p.Valid() || p.IsOwner("owner") || p.Owner().Name != "" || p.DemoteOwnerTo().Name != "" || p.Len() != 0 {
		t.Fatal("the zero Policy answers as a policy")
	}
	if _, err := json.Marshal(&p); !errors.Is(err, access.ErrInvalidPolicy) {
		t.Fatalf("marshalling the zero Policy: %v", err)
	}
	var nilp *access.Policy
	if nilp.Valid() {
		t.Fatal("a nil Policy is valid")
	}
}
