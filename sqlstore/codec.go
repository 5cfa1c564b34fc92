package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/store"
)

// Values are stored in forms every dialect shares: times as microseconds
// since the Unix epoch, permission sets as comma-joined names, scopes as
// comma-joined strings, and structured values as JSON.

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

func (s *Store) setText(set access.Set) (string, error) {
	names, err := s.env.Policy.Names(set)
	if err != nil {
		return "", err
	}
	return strings.Join(names, ","), nil
}

func (s *Store) parseSet(text string) (access.Set, error) {
	if text == "" {
		return access.Set{}, nil
	}
	set, err := s.env.Policy.ParseSet(strings.Split(text, ",")...)
	if err != nil {
		return access.Set{}, fmt.Errorf("sqlstore: a stored permission set names a permission the policy lacks: %w", err)
	}
	return set, nil
}

func scopesText(sc access.Scopes) string { return strings.Join(sc.Strings(), ",") }

func parseScopes(text string) (access.Scopes, error) {
	if text == "" {
		return access.Scopes{}, nil
	}
	return access.NewScopes(strings.Split(text, ",")...)
}

func profileText(p store.Profile) string { return jsonText(p) }

func parseProfile(text string) (store.Profile, error) {
	var p store.Profile
	if text == "" || text == "{}" {
		return p, nil
	}
	err := json.Unmarshal([]byte(text), &p)
	return p, err
}

// jsonText encodes one of roster's records (a party, a state, a profile);
// they hold only strings, numbers and times, which always encode.
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func parseJSON(text string, v any) error {
	if err := json.Unmarshal([]byte(text), v); err != nil {
		return fmt.Errorf("sqlstore: stored JSON does not decode into %T: %w", v, err)
	}
	return nil
}

// boolInt is b as the 0 or 1 of a SMALLINT column.
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
