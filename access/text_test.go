package access_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/rosterhq/roster/access"
)

// refusedRunes are characters that must never reach a name, label or scope:
// they hide or reorder what an audit log shows ("\u202enimda" displays as
// "admin").
var refusedRunes = []struct {
	name, s, says string
}{
	{"C1 NEL", "\u0085", "U+0085"},
	{"RLO", "\u202e", "U+202E"},
	{"LRI", "\u2066", "U+2066"},
	{"ZWSP", "\u200b", "U+200B"},
	{"ZWJ", "\u200d", "U+200D"},
	{"BOM", "\ufeff", "U+FEFF"},
	{"soft hyphen", "\u00ad", "U+00AD"},
	{"NUL", "\x00", "U+0000"},
	{"ESC", "\x1b", "U+001B"},
	{"DEL", "\x7f", "U+007F"},
	{"newline", "\n", "U+000A"},
	{"invalid UTF-8", "\xff", "0xff"},
	{"truncated UTF-8", "\xe2\x80", "0xe2"},
}

func TestScopesRefuseControlAndFormatCharacters(t *testing.T) {
	for _, tc := range refusedRunes {
		scope := "market:" + tc.s + "de"
		_, err := access.NewScopes("site:eu", scope)
		if !errors.Is(err, access.ErrInvalidScope) || !errors.Is(err, access.ErrInvalidText) {
			t.Errorf("%s: NewScopes(%q) = %v, want ErrInvalidScope and ErrInvalidText", tc.name, scope, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "byte 7") {
			t.Errorf("%s: error %q does not name %s at byte 7", tc.name, err, tc.says)
		}
		var s access.Scopes
		raw, _ := json.Marshal([]string{scope})
		if err := s.UnmarshalJSON(raw); !errors.Is(err, access.ErrInvalidScope) {
			t.Errorf("%s: Scopes.UnmarshalJSON(%s) = %v", tc.name, raw, err)
		}
	}
	if _, err := access.NewScopes("market:münchen", "set:夏"); err != nil {
		t.Fatalf("printable non-ASCII scopes are refused: %v", err)
	}
}

func TestLabelsRefuseControlAndFormatCharacters(t *testing.T) {
	for _, tc := range refusedRunes {
		label := "Vie" + tc.s + "w products"
		for what, mutate := range map[string]func(*access.Spec){
			"permission": func(s *access.Spec) { s.Permissions[ViewProducts].Label = label },
			"role":       func(s *access.Spec) { s.Roles[2].Label = label },
		} {
			spec := seed003Spec()
			mutate(&spec)
			_, err := access.NewPolicy(spec)
			if !errors.Is(err, access.ErrInvalidPolicy) || !errors.Is(err, access.ErrInvalidText) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "byte 3") {
				t.Errorf("%s: NewPolicy with %s label %q = %v; want ErrInvalidPolicy naming %s at byte 3", tc.name, what, label, err, tc.says)
			}
		}
		if !strings.HasPrefix(tc.name, "invalid") && !strings.HasPrefix(tc.name, "truncated") {
			// JSON strings are UTF-8: encoding/json would replace invalid bytes.
			raw, _ := json.Marshal(label)
			_, err := access.ParsePolicy([]byte(`{"permissions":[{"name":"a","label":` + string(raw) + `}],"roles":[{"name":"o"},{"name":"m"}],"owner":"o"}`))
			if !errors.Is(err, access.ErrInvalidPolicy) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%s: ParsePolicy with label %q = %v", tc.name, raw, err)
			}
		}
	}
	spec := seed003Spec()
	spec.Permissions[ViewProducts].Label = "Produkte ansehen – Verkäufer 🚀"
	spec.Roles[2].Label = "販売"
	if _, err := access.NewPolicy(spec); err != nil {
		t.Fatalf("printable labels are refused: %v", err)
	}
}

// Names were always ASCII; the error names the refused character and where
// it is, not a byte of its encoding.
func TestValidNameNamesTheRefusedRune(t *testing.T) {
	for _, tc := range refusedRunes {
		name := "adm" + tc.s + "in"
		err := access.ValidName(name)
		if !errors.Is(err, access.ErrInvalidName) || !errors.Is(err, access.ErrInvalidText) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "byte 3") {
			t.Errorf("%s: ValidName(%q) = %v; want ErrInvalidName naming %s at byte 3", tc.name, name, err, tc.says)
		}
	}
	err := access.ValidName("\u202enimda")
	if !errors.Is(err, access.ErrInvalidName) || !strings.Contains(err.Error(), "U+202E at byte 0") {
		t.Errorf("ValidName(RLO nimda) = %v", err)
	}
	if err := access.ValidName("é"); !strings.Contains(err.Error(), "U+00E9") {
		t.Errorf("ValidName(é) = %v; want the rune named", err)
	}
}

func TestCheckText(t *testing.T) {
	for _, tc := range refusedRunes {
		for _, s := range []string{tc.s, "ab" + tc.s, "ab" + tc.s + "cd"} {
			err := access.CheckText(s)
			if !errors.Is(err, access.ErrInvalidText) {
				t.Errorf("%s: CheckText(%q) = %v, want ErrInvalidText", tc.name, s, err)
				continue
			}
			at := "byte 0"
			if len(s) > len(tc.s) {
				at = "byte 2"
			}
			if !strings.Contains(err.Error(), tc.says+" at "+at) {
				t.Errorf("%s: CheckText(%q) = %q, want it to name %s at %s", tc.name, s, err, tc.says, at)
			}
		}
	}
	// The first refused rune is named.
	if err := access.CheckText("a\u200bb\u202e"); err == nil || !strings.Contains(err.Error(), "U+200B at byte 1") {
		t.Errorf("CheckText names %v", err)
	}
	for _, ok := range []string{"", "Sales Rep", "Verkäufer", "販売", "🚀 launch", "tab-free, comma, and \"quotes\"", "\ufffd"} {
		if err := access.CheckText(ok); err != nil {
			t.Errorf("CheckText(%q) = %v", ok, err)
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = access.CheckText("Verkäufer im Außendienst") }); allocs != 0 {
		t.Errorf("CheckText of valid text allocates %v times", allocs)
	}
}

func FuzzCheckText(f *testing.F) {
	f.Add("Verkäufer")
	f.Add("\u202enimda")
	f.Add("a\xffb")
	f.Fuzz(func(t *testing.T, s string) {
		err := access.CheckText(s)
		if err != nil && !errors.Is(err, access.ErrInvalidText) {
			t.Fatalf("CheckText(%q) = %v, not ErrInvalidText", s, err)
		}
		if err == nil {
			// What passes is valid UTF-8 without a control or format
			// character.
			for i, r := range s {
				if r == 0xfffd && !strings.HasPrefix(s[i:], "\ufffd") {
					t.Fatalf("CheckText(%q) passed invalid UTF-8 at byte %d", s, i)
				}
				if r < 0x20 || 0x7f <= r && r < 0xa0 || r == 0x200b || r == 0x202e || r == 0xfeff {
					t.Fatalf("CheckText(%q) passed U+%04X", s, r)
				}
			}
		}
	})
}
