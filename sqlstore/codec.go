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

// setText is the stored form of set in field of a record whose stale names
// are stale (store.EncodeSet): aliases it was read under and dropped names
// are written back as they were.
func (s *Store) setText(field string, set access.Set, stale []store.StaleName) (string, error) {
	names, err := store.EncodeSet(s.env.Policy, field, set, stale)
	if err != nil {
		return "", err
	}
	return strings.Join(names, ","), nil
}

// decodeSet reads the stored form of field, appending its stale names
// (store.DecodeSet): a name the policy lacks grants nothing, and fails
// nothing.
func (s *Store) decodeSet(field, text string, stale *[]store.StaleName) access.Set {
	if text == "" {
		return access.Set{}
	}
	return store.DecodeSet(s.env.Policy, field, strings.Split(text, ","), stale)
}

// parseSet reads a stored set for the permissions it grants alone (a custom
// role's or a partnership level's, joined to what it resolves).
func (s *Store) parseSet(text string) (access.Set, error) {
	var stale []store.StaleName
	return s.decodeSet(store.FieldPerms, text, &stale), nil
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
