package member_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

func testEnv(t testing.TB, now func() time.Time) *store.Env {
	p := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "a"}},
		Roles:       []access.RoleSpec{{Name: "owner"}, {Name: "member", Permissions: access.SetOf(0)}},
		Owner:       "owner",
	})
	env, err := store.Env{Policy: p, Now: now, Rand: rand.NewChaCha8([32]byte{7})}.Init()
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestNewIDIncreases(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := at
	env := testEnv(t, func() time.Time { return now })
	var last store.ID
	for i := range 5000 {
		if i == 2500 {
			now = at.Add(-time.Second) // the clock steps back
		}
		id, err := env.NewID()
		if err != nil {
			t.Fatal(err)
		}
		if id.Version() != 7 || id.Variant() != uuid.RFC4122 {
			t.Fatalf("%v is not a UUIDv7", id)
		}
		if i > 0 && bytes.Compare(id[:], last[:]) <= 0 {
			t.Fatalf("id %d: %v does not follow %v", i, id, last)
		}
		last = id
	}
	ms := int64(last[0])<<40 | int64(last[1])<<32 | int64(last[2])<<24 | int64(last[3])<<16 | int64(last[4])<<8 | int64(last[5])
	if ms < at.UnixMilli() {
		t.Fatalf("timestamp went back to %d", ms)
	}
}

func TestEnvInit(t *testing.T) {
	if _, err := (store.Env{}).Init(); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Init without a policy = %v", err)
	}
	if _, err := (store.Env{Policy: &access.Policy{}}).Init(); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Init with the zero policy = %v", err)
	}
	p := testEnv(t, time.Now).Policy
	if _, err := (store.Env{Policy: p, LinkKey: []byte("short")}).Init(); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Init with a short link key = %v", err)
	}
	for _, k := range []store.KDF{
		{Time: 0, MemoryKiB: 64, Threads: 1},
		{Time: 1, MemoryKiB: 4, Threads: 1},
		{Time: store.MaxKDFTime + 1, MemoryKiB: 64, Threads: 1},
		{Time: 1, MemoryKiB: store.MaxKDFMemoryKiB + 1, Threads: 1},
		{Time: 1, MemoryKiB: 64, Threads: store.MaxKDFThreads + 1},
	} {
		if _, err := (store.Env{Policy: p, CodeKDF: k}).Init(); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Init with CodeKDF %+v = %v, want ErrInvalid", k, err)
		}
	}
	env, err := store.Env{Policy: p}.Init()
	if err != nil || env.Now == nil || env.Rand == nil || env.CodeKDF.Time == 0 {
		t.Fatalf("Init did not fill defaults: %+v, %v", env, err)
	}
	if got := env.Time(); got.Location() != time.UTC || got.Nanosecond()%1000 != 0 {
		t.Fatalf("Time() = %v, want UTC microseconds", got)
	}
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		"  Bob@Example.COM ": "bob@example.com",
		"a.b+tag@sub.x.io":   "a.b+tag@sub.x.io",
		"x@y.z":              "x@y.z",
	} {
		got, err := member.NormalizeEmail(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "bob", "@x.io", "bob@", "bob@x", "bob@@x.io", "Bob <bob@x.io>", "bo b@x.io",
		"bob@x..io", "bob@-x.io", ".bob@x.io", "bob.@x.io", "b..b@x.io", "bob@x_y.io", strings.Repeat("a", 65) + "@x.io",
		"bob@" + strings.Repeat("a", 250) + ".io", "\u212aim@x.io", "bob@exä_mple.com"} {
		if got, err := member.NormalizeEmail(bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want ErrInvalid", bad, got, err)
		}
	}
}

// TestNormalizeEmailIDNA: a domain in Unicode is converted to its ASCII
// (punycode) form by UTS #46's lookup mapping: case, width and the
// ideographic full stop folded; a domain that is no valid name, and a
// local part in Unicode, are ErrInvalid.
func TestNormalizeEmailIDNA(t *testing.T) {
	for in, want := range map[string]string{
		"ana@bücher.example":        "ana@xn--bcher-kva.example",
		"Ana@BÜCHER.Example":        "ana@xn--bcher-kva.example", // upper case, mixed
		" ana@Bücher.EXAMPLE ":      "ana@xn--bcher-kva.example",
		"ana@ｂücher.example":        "ana@xn--bcher-kva.example", // full width
		"ana@bücher。example":        "ana@xn--bcher-kva.example", // ideographic full stop
		"ana@xn--bcher-kva.example": "ana@xn--bcher-kva.example", // ASCII form kept
		"x@münchen.de":              "x@xn--mnchen-3ya.de",
		"x@例え.テスト":                  "x@xn--r8jz45g.xn--zckzah",
		"x@ПРИМЕР.рф":               "x@xn--e1afmkfd.xn--p1ai",
		"x@straße.de":               "x@xn--strae-oqa.de", // nontransitional: ß kept
		"x@\u212aelvin.example":     "x@kelvin.example",   // the Kelvin sign maps to k
	} {
		got, err := member.NormalizeEmail(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
		if again, err := member.NormalizeEmail(got); err != nil || again != got {
			t.Errorf("NormalizeEmail(%q) = %q, %v; not a fixed point", got, again, err)
		}
	}
	for _, bad := range []string{
		"x@bü_cher.example",                           // underscore
		"x@-bücher.example",                           // leading hyphen
		"x@bücher..example",                           // empty label
		"x@bücher.example.",                           // trailing dot
		"x@\u200dbücher.example",                      // a joiner out of place
		"x@aא.example",                                // left-to-right and right-to-left in one label
		"x@bü cher.example",                           // space
		"x@bücher",                                    // one label
		"ü@bücher.example",                            // a local part in Unicode
		"ana@" + strings.Repeat("ü", 60) + ".example", // a label over 63 bytes once converted
		"ana@" + strings.Repeat("büc.", 50) + "de",    // over 254 bytes once converted
	} {
		if got, err := member.NormalizeEmail(bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want ErrInvalid", bad, got, err)
		}
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"bob@example.com", " A@B.co ", "a@b", "a@@b.co", "\xff@x.io", "a@b.c-d.io", "ana@Bücher.example", "a@例え.テスト"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := member.NormalizeEmail(in)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		// Normal forms are fixed points, lower case, and at most 254 bytes.
		again, err := member.NormalizeEmail(out)
		if err != nil || again != out || out != strings.ToLower(out) || len(out) > member.MaxEmailLen {
			t.Fatalf("NormalizeEmail(%q) = %q, then %q, %v", in, out, again, err)
		}
	})
}

func FuzzParseCursor(f *testing.F) {
	f.Add(rule.EncodeCursor(uuid.Must(uuid.NewV7())))
	f.Add("")
	f.Add("%%%")
	f.Add("AAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, c string) {
		id, err := rule.ParseCursor(c)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if c != "" && rule.EncodeCursor(id) != c {
			t.Fatalf("cursor %q decodes to %v, which encodes to %q", c, id, rule.EncodeCursor(id))
		}
	})
}

func FuzzHashSecret(f *testing.F) {
	env := testEnv(f, time.Now)
	secret, _, err := rule.NewSecret(env, member.KeyKind)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(secret)
	f.Add("rkey_")
	f.Add("rinv_" + secret[5:])
	f.Add(secret[:len(secret)-1] + "*")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := rule.HashSecret(s, member.KeyKind)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if !strings.HasPrefix(s, member.KeyKind+"_") || h == [32]byte{} {
			t.Fatalf("%q accepted as a key secret", s)
		}
	})
}

func TestSecrets(t *testing.T) {
	env := testEnv(t, time.Now)
	s1, h1, err := rule.NewSecret(env, "rkey")
	if err != nil {
		t.Fatal(err)
	}
	s2, h2, _ := rule.NewSecret(env, "rkey")
	if s1 == s2 || h1 == h2 || len(s1) != 48 {
		t.Fatalf("secrets %q, %q", s1, s2)
	}
	got, err := rule.HashSecret(s1, "rkey")
	if err != nil || !rule.SameHash(got, h1) || rule.SameHash(got, h2) {
		t.Fatalf("HashSecret(%q) = %x, %v", s1, got, err)
	}
	if _, err := rule.HashSecret(s1, "rinv"); !errors.Is(err, store.ErrInvalid) {
		t.Fatal("a secret of another kind was accepted")
	}
}

func TestProfile(t *testing.T) {
	p, err := store.NewProfile(map[string]string{"b": "2", "a": "1"})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range p.All() {
		keys = append(keys, k)
	}
	if strings.Join(keys, ",") != "a,b" || p.Len() != 2 {
		t.Fatalf("fields in order: %v", keys)
	}
	if v, ok := p.Get("b"); !ok || v != "2" {
		t.Fatal("Get")
	}
	if _, ok := p.Get("c"); ok {
		t.Fatal("Get of a missing field")
	}
	data, _ := json.Marshal(p)
	var back store.Profile
	if err := json.Unmarshal(data, &back); err != nil || !back.Equal(p) {
		t.Fatalf("JSON round trip: %s, %v", data, err)
	}
	m := p.Map()
	m["a"] = "changed"
	if v, _ := p.Get("a"); v != "1" {
		t.Fatal("Map aliases the profile")
	}
	too := map[string]string{}
	for i := range store.MaxProfileFields + 1 {
		too[strings.Repeat("k", i+1)] = "v"
	}
	for name, in := range map[string]map[string]string{
		"bad key": {"a b": "v"}, "control": {"k": "a\x01"}, "long": {"k": strings.Repeat("v", 1025)}, "too many": too,
		"invalid utf8": {"k": "\xff"},
	} {
		if _, err := store.NewProfile(in); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: NewProfile = %v", name, err)
		}
	}
	if err := json.Unmarshal([]byte(`{"a b": "v"}`), &back); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("UnmarshalJSON accepted a bad key: %v", err)
	}
}

func TestCheckProfile(t *testing.T) {
	p := access.MustPolicy(access.Spec{
		Permissions: []access.PermissionSpec{{Name: "a"}},
		Roles: []access.RoleSpec{{Name: "owner"}, {Name: "rep", Permissions: access.SetOf(0), Fields: []string{"commission_pct"}},
			{Name: "member", Permissions: access.SetOf(0)}},
		Owner:  "owner",
		Fields: []string{"team"},
	})
	prof := func(fields map[string]string) store.Profile {
		pr, err := store.NewProfile(fields)
		if err != nil {
			t.Fatal(err)
		}
		return pr
	}
	for _, c := range []struct {
		role   string
		fields map[string]string
		ok     bool
	}{
		{"rep", nil, true},
		{"rep", map[string]string{"commission_pct": "5", "team": "north"}, true},
		{"member", map[string]string{"team": "north"}, true},
		{"member", map[string]string{"commission_pct": "5"}, false},
		{"rep", map[string]string{"team": "north", "shoe_size": "9"}, false},
	} {
		err := rule.CheckProfile(p, c.role, prof(c.fields))
		if c.ok && err != nil || !c.ok && !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s with %v: %v", c.role, c.fields, err)
		}
	}
}
