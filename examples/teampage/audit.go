package main

import (
	"net/http"
	"slices"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// auditShown is how many of the latest events the page shows.
const auditShown = 200

type auditRow struct {
	E    store.Event
	What string
}

// GET /orgs/{org}/audit: the audit log (seed 003), newest first, with the
// actor's and target's names as the events kept them, so that a removed
// member's actions stay attributed.
func (s *server) audit(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if !c.Me.CanDo(access.ReadAudit) {
		s.render(w, r, c, "message", &view{Title: "Audit log", Refusal: forbidden(&c.Me, access.ReadAudit)}, nil)
		return
	}
	v := &view{Title: "Audit log", Tab: "audit"}
	var all []store.Event
	for after := int64(0); ; {
		es, err := member.AuditLog(r.Context(), s.db, c.Org.ID, c.Me.ID, after, store.MaxPageSize)
		if err != nil {
			v.Refusal = refusalOf(err, &c.Me, access.ReadAudit)
			break
		}
		all = append(all, es...)
		if len(all) > auditShown {
			all = all[len(all)-auditShown:]
		}
		if len(es) < store.MaxPageSize {
			break
		}
		after = es[len(es)-1].Seq
	}
	slices.Reverse(all)
	rows := make([]auditRow, len(all))
	for i, e := range all {
		rows[i] = auditRow{e, eventWords(e)}
	}
	s.render(w, r, c, "audit", v, rows)
}

// eventWords says what an event records, for people.
func eventWords(e store.Event) string {
	b, a := e.Before, e.After
	switch e.Type {
	case store.OrgCreated:
		return "created the organisation"
	case store.MemberAdded:
		return "added as " + roleLabel(a.Role)
	case store.MemberRoleChanged:
		return "changed the role from " + roleLabel(b.Role) + " to " + roleLabel(a.Role)
	case store.MemberPermsSet:
		return "changed the module access"
	case store.MemberScopesSet:
		return "changed the scopes"
	case store.MemberProfileSet:
		return "changed the profile"
	case store.MemberDeactivated:
		return "deactivated"
	case store.MemberReactivated:
		return "reactivated"
	case store.MemberRemoved:
		return "removed"
	case store.MemberLeft:
		return "left"
	case store.OwnerTransferred:
		return "transferred ownership"
	case store.TransferProposed:
		return "proposed an ownership transfer"
	case store.TransferCancelled:
		return "cancelled the ownership transfer"
	case store.InvitationSent:
		return "invited " + a.Email + " as " + roleLabel(a.Role)
	case store.InvitationResent:
		return "resent the invitation to " + a.Email
	case store.InvitationCancelled:
		return "cancelled the invitation to " + b.Email
	case store.InvitationAccepted:
		return "accepted the invitation"
	case store.InvitationDeclined:
		return "declined the invitation"
	case store.RequestCreated:
		return "asked for access"
	case store.RequestApproved:
		return "accepted an access request"
	case store.RequestRefused:
		return "declined an access request"
	case store.CodeSet:
		return "set the access code"
	case store.CodeCleared:
		return "removed the access code"
	case store.PartnerInvited:
		return "invited a partner"
	case store.PartnerAccepted:
		return "accepted a partnership"
	case store.PartnerLevelChanged:
		return "changed a partner's access level"
	case store.PartnerScopesChanged:
		return "changed a partner's sets"
	case store.PartnerSuspendedEvent:
		return "suspended a partnership"
	case store.PartnerResumed:
		return "resumed a partnership"
	case store.PartnerRevoked:
		return "revoked a partnership"
	}
	return string(e.Type)
}
