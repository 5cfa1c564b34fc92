package store_test

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// Every exported sentinel, with the code and status it must keep: the codes
// are API, so a change here is a breaking change.
var sentinels = map[string]struct {
	err    error
	code   string
	status int
}{
	"store.ErrNotFound":            {store.ErrNotFound, "not_found", 404},
	"store.ErrInvalid":             {store.ErrInvalid, "invalid", 422},
	"store.ErrAlreadyMember":       {store.ErrAlreadyMember, "already_member", 409},
	"store.ErrAlreadyInvited":      {store.ErrAlreadyInvited, "already_invited", 409},
	"store.ErrExists":              {store.ErrExists, "exists", 409},
	"store.ErrConflict":            {store.ErrConflict, "conflict", 409},
	"store.ErrOutcomeUnknown":      {store.ErrOutcomeUnknown, "outcome_unknown", 503},
	"store.ErrPruned":              {store.ErrPruned, "pruned", 410},
	"member.ErrForbidden":          {member.ErrForbidden, "forbidden", 403},
	"member.ErrInactive":           {member.ErrInactive, "inactive", 403},
	"member.ErrOwnerProtected":     {member.ErrOwnerProtected, "owner_protected", 403},
	"member.ErrSelf":               {member.ErrSelf, "self", 403},
	"member.ErrEscalation":         {member.ErrEscalation, "escalation", 403},
	"member.ErrSeatLimit":          {member.ErrSeatLimit, "seat_limit", 409},
	"member.ErrInUse":              {member.ErrInUse, "in_use", 409},
	"member.ErrLimitReached":       {member.ErrLimitReached, "limit_reached", 409},
	"member.ErrKeyExpired":         {member.ErrKeyExpired, "key_expired", 401},
	"invite.ErrExpired":            {invite.ErrExpired, "expired", 409},
	"invite.ErrAlreadyUsed":        {invite.ErrAlreadyUsed, "already_used", 409},
	"invite.ErrCancelled":          {invite.ErrCancelled, "cancelled", 409},
	"invite.ErrDeclined":           {invite.ErrDeclined, "declined", 409},
	"invite.ErrAlreadyRequested":   {invite.ErrAlreadyRequested, "already_requested", 409},
	"invite.ErrEmailMismatch":      {invite.ErrEmailMismatch, "email_mismatch", 403},
	"invite.ErrNoLink":             {invite.ErrNoLink, "no_link", 409},
	"invite.ErrCodeRequired":       {invite.ErrCodeRequired, "code_required", 403},
	"invite.ErrWrongCode":          {invite.ErrWrongCode, "wrong_code", 403},
	"invite.ErrLocked":             {invite.ErrLocked, "locked", 429},
	"invite.ErrSuperseded":         {invite.ErrSuperseded, "superseded", 410},
	"invite.ErrCodeExhausted":      {invite.ErrCodeExhausted, "code_exhausted", 403},
	"access.ErrInvalidPolicy":      {access.ErrInvalidPolicy, "invalid_policy", 500},
	"access.ErrEmptyName":          {access.ErrEmptyName, "empty_name", 422},
	"access.ErrInvalidName":        {access.ErrInvalidName, "invalid_name", 422},
	"access.ErrDuplicateName":      {access.ErrDuplicateName, "duplicate_name", 422},
	"access.ErrUnknownPermission":  {access.ErrUnknownPermission, "unknown_permission", 422},
	"access.ErrTooManyPermissions": {access.ErrTooManyPermissions, "too_many_permissions", 422},
	"access.ErrNoOwner":            {access.ErrNoOwner, "no_owner", 422},
	"access.ErrUnknownRole":        {access.ErrUnknownRole, "unknown_role", 422},
	"access.ErrUnknownAction":      {access.ErrUnknownAction, "unknown_action", 422},
	"access.ErrInvalidScope":       {access.ErrInvalidScope, "invalid_scope", 422},
	"access.ErrInvalidText":        {access.ErrInvalidText, "invalid_text", 422},
	"access.ErrPolicyTooLarge":     {access.ErrPolicyTooLarge, "policy_too_large", 422},
}

func TestErrorCode(t *testing.T) {
	seen := map[string]string{}
	for name, s := range sentinels {
		wrapped := fmt.Errorf("target %v: %w", store.ID{}, s.err)
		code, status := store.ErrorCode(wrapped)
		if code != s.code || status != s.status {
			t.Errorf("ErrorCode(%s) = %q, %d; want %q, %d", name, code, status, s.code, s.status)
		}
		if other, dup := seen[code]; dup {
			t.Errorf("%s and %s share the code %q", name, other, code)
		}
		seen[code] = name
	}
	// A rule's refusal of an unknown role wraps both; the rule's sentinel wins.
	if code, _ := store.ErrorCode(fmt.Errorf("%w: %w: %q", store.ErrInvalid, access.ErrUnknownRole, "x")); code != "invalid" {
		t.Errorf("an invalid unknown role is %q, want invalid", code)
	}
	for err, want := range map[error]string{
		errors.New("disk on fire"):                       "internal",
		fmt.Errorf("read: %w", context.DeadlineExceeded): "deadline_exceeded",
		fmt.Errorf("read: %w", context.Canceled):         "canceled",
		nil:                                              "internal",
	} {
		if code, _ := store.ErrorCode(err); code != want {
			t.Errorf("ErrorCode(%v) = %q, want %q", err, code, want)
		}
	}
}

// TestEverySentinelHasACode finds the exported Err variables of each public
// package in its source, so that a sentinel added without a code (or left
// out of the table above) fails here.
func TestEverySentinelHasACode(t *testing.T) {
	for _, pkg := range []string{"store", "member", "invite", "access"} {
		files, err := filepath.Glob(filepath.Join("..", pkg, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range file.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.VAR {
					continue
				}
				for _, spec := range g.Specs {
					for _, n := range spec.(*ast.ValueSpec).Names {
						if strings.HasPrefix(n.Name, "Err") && n.IsExported() {
							if _, ok := sentinels[pkg+"."+n.Name]; !ok {
								t.Errorf("%s.%s has no code in the table", pkg, n.Name)
							}
						}
					}
				}
			}
		}
	}
}
