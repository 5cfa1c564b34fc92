package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/store"
)

// A refusal is what the page tells a person whose action was refused: the
// rule, in words, and why it holds. It never carries an error's text, which
// may name internals; the error is logged instead.
type refusal struct {
	Code   string // the error's stable code (store.ErrorCode)
	Status int    // the HTTP status the page is answered with
	Rule   string // the rule that refused, as a sentence
	Reason string // why the rule exists, or what to do instead
}

// rules holds the sentence of each refusal, by store.ErrorCode's code.
var rules = map[string]struct{ rule, reason string }{
	"not_found":         {"That record is not part of this organisation.", "It may have been removed, or belong to another organisation."},
	"invalid":           {"Some of what you entered is not valid.", "Check the fields and try again."},
	"forbidden":         {"Your role does not allow this.", "Each action needs a permission; ask an owner or an admin."},
	"inactive":          {"Your membership is inactive.", "An inactive member can do nothing until an admin reactivates it."},
	"owner_protected":   {"Only an ownership transfer changes the owner.", "Nobody but the owner, by a transfer, can change the owner's role or status, remove the owner or make someone owner."},
	"self":              {"Nobody changes their own role or status.", "Ask another admin; to go, leave the organisation instead."},
	"escalation":        {"You can only grant what you hold yourself.", "Nobody grants permissions or scopes beyond their own, or acts on a member who holds more than they do."},
	"seat_limit":        {"All seats of the plan are taken.", "Members plus pending invitations may not exceed the plan's limit: cancel an invitation, remove a member or upgrade the plan."},
	"already_member":    {"That person is already a member.", "Change their role on their member page instead."},
	"already_invited":   {"That address has a pending invitation already.", "Resend it or copy its link from the pending list."},
	"exists":            {"That already exists.", "The organisation already has a partnership with that partner."},
	"conflict":          {"Someone changed this at the same time.", "Nothing was changed; reload the page and try again."},
	"in_use":            {"That role is still in use.", "Move its members to another role first."},
	"limit_reached":     {"The limit for this record is reached.", "Remove one before adding another."},
	"expired":           {"This invitation has expired.", "Invitations are valid for 7 days; ask for a new one."},
	"already_used":      {"This has been used already.", "An invitation is accepted once, and a request decided once."},
	"cancelled":         {"This invitation was cancelled.", "Ask the organisation for a new one."},
	"declined":          {"This was declined.", "Ask the organisation for a new invitation."},
	"already_requested": {"You have asked for access already.", "Wait for the organisation to review your request."},
	"email_mismatch":    {"This invitation was sent to another e-mail address.", "Sign in with the address it was sent to."},
	"no_link":           {"The link cannot be copied again.", "Resend the invitation to make a new link."},
	"code_required":     {"This organisation requires its access code.", "Ask the organisation for its four-digit code."},
	"wrong_code":        {"The access code is wrong.", "Each wrong code is counted; after a few the requests stop."},
	"locked":            {"Too many wrong access codes.", "Wait a while before you try again."},
	"code_exhausted":    {"The access code took too many wrong guesses.", "The organisation has to set a new code."},
	"outcome_unknown":   {"We could not confirm that the change was saved.", "Reload the page to see whether it was."},
}

// refuse turns err into what the page shows. A refusal of one of roster's
// rules gets its sentence; anything else is logged and shown as an error of
// ours, without its text.
func refuse(err error) *refusal {
	code, status := store.ErrorCode(err)
	if r, ok := rules[code]; ok {
		return &refusal{Code: code, Status: status, Rule: r.rule, Reason: r.reason}
	}
	if errors.Is(err, store.ErrInvalid) {
		r := rules["invalid"]
		return &refusal{Code: "invalid", Status: http.StatusUnprocessableEntity, Rule: r.rule, Reason: r.reason}
	}
	slog.Error("teampage: internal error", "code", code, "err", err)
	return &refusal{Code: "internal", Status: http.StatusInternalServerError,
		Rule: "Something went wrong on our side.", Reason: "Nothing was changed. Try again in a moment."}
}

// invalid is a refusal of the page's own input checks, with the field named.
func invalid(format string, args ...any) *refusal {
	return &refusal{Code: "invalid", Status: http.StatusUnprocessableEntity,
		Rule: fmt.Sprintf(format, args...), Reason: "Nothing was changed."}
}

// forbidden is the refusal of an action the member's role does not allow,
// naming the permission it needs.
func forbidden(m *store.Member, a access.Action) *refusal {
	r := rules["forbidden"]
	if m.Status != store.Active {
		r = rules["inactive"]
		return &refusal{Code: "inactive", Status: http.StatusForbidden, Rule: r.rule, Reason: r.reason}
	}
	reason := "Only the owner may do this."
	if p, ok := policy.Gate(a); ok {
		reason = fmt.Sprintf("It needs the permission “%s”, which your role (%s) does not hold.", policy.Label(p), roleLabel(m.Role))
	}
	return &refusal{Code: "forbidden", Status: http.StatusForbidden, Rule: r.rule, Reason: reason}
}
