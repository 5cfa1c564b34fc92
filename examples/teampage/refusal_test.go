package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// TestRefusalWords checks that each of roster's refusals reaches a person as
// its rule in words, with the status store.ErrorCode gives it, and that an
// error of no rule is shown as ours, without its text.
func TestRefusalWords(t *testing.T) {
	for _, err := range []error{
		store.ErrNotFound, store.ErrInvalid, store.ErrAlreadyMember, store.ErrAlreadyInvited, store.ErrExists,
		store.ErrConflict, store.ErrOutcomeUnknown,
		member.ErrForbidden, member.ErrInactive, member.ErrOwnerProtected, member.ErrSelf, member.ErrEscalation,
		member.ErrSeatLimit, member.ErrInUse, member.ErrLimitReached,
		invite.ErrExpired, invite.ErrAlreadyUsed, invite.ErrCancelled, invite.ErrDeclined, invite.ErrAlreadyRequested,
		invite.ErrEmailMismatch, invite.ErrNoLink, invite.ErrCodeRequired, invite.ErrWrongCode, invite.ErrLocked,
		invite.ErrCodeExhausted,
		fmt.Errorf("%w: %w", store.ErrInvalid, access.ErrInvalidScope),
	} {
		wrapped := fmt.Errorf("rule X refused actor 0190-…: %w", err)
		rf := refuse(wrapped)
		code, status := store.ErrorCode(wrapped)
		if rf.Code == "internal" || rf.Rule == "" || rf.Reason == "" {
			t.Errorf("%v: no sentence (%+v)", err, rf)
		}
		if rf.Status != status || (rf.Code != code && code != "invalid_scope") {
			t.Errorf("%v: %s %d, want %s %d", err, rf.Code, rf.Status, code, status)
		}
		if strings.Contains(rf.Rule+rf.Reason, "0190") {
			t.Errorf("%v: the sentence shows the error's text", err)
		}
	}
	rf := refuse(errors.New("pq: relation roster_orgs does not exist"))
	if rf.Code != "internal" || rf.Status != http.StatusInternalServerError || strings.Contains(rf.Rule+rf.Reason, "roster_orgs") {
		t.Errorf("an internal error is shown as %+v", rf)
	}
}

// TestForbiddenNamesPermission checks the refusal of an action a role does
// not allow: it names the permission the action needs and the role.
func TestForbiddenNamesPermission(t *testing.T) {
	m := store.Member{Role: "viewer", Status: store.Active}
	rf := forbidden(&m, access.Remove)
	if rf.Code != "forbidden" || !strings.Contains(rf.Reason, "“Manage members”") || !strings.Contains(rf.Reason, "Viewer") {
		t.Errorf("forbidden: %+v", rf)
	}
	m.Status = store.Inactive
	if rf := forbidden(&m, access.Remove); rf.Code != "inactive" {
		t.Errorf("an inactive member's refusal: %+v", rf)
	}
}
