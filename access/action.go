package access

import "fmt"

// An Action is a lifecycle step that the Policy gates with a permission: the
// actor must hold the gating permission (or be the owner) to take it. An
// action the policy leaves ungated is the owner's alone.
type Action uint8

// The lifecycle actions.
const (
	// Invite: send, resend and cancel invitations, copy their links.
	Invite Action = iota
	// AddMember: add a member directly, without an invitation.
	AddMember
	// Remove: remove another member.
	Remove
	// ChangeRole: change another member's role, its per-member
	// permissions and its scopes.
	ChangeRole
	// ChangeStatus: deactivate and reactivate another member.
	ChangeStatus
	// EditProfile: edit another member's name and profile fields.
	EditProfile
	// ManageKeys: issue API keys, and list or revoke other members' keys.
	ManageKeys
	// ReadAudit: read the organisation's audit log.
	ReadAudit
	// ManageRoles: create, edit and delete the organisation's custom roles.
	ManageRoles
	// ApproveRequests: review access requests and set the access code.
	ApproveRequests
	// ManagePartners: invite, change, suspend and revoke partner
	// organisations, and accept partnerships on the organisation's behalf.
	ManagePartners
	// ManageServiceKeys: issue, rotate and revoke the organisation's
	// service keys, which belong to no member (member.IssueServiceKey).
	ManageServiceKeys

	numActions
)

// Actions returns every Action in order.
func Actions() []Action {
	a := make([]Action, numActions)
	for i := range a {
		a[i] = Action(i)
	}
	return a
}

// String returns the action's stable name, as used in JSON ("change_role").
func (a Action) String() string {
	switch a {
	case Invite:
		return "invite"
	case AddMember:
		return "add_member"
	case Remove:
		return "remove"
	case ChangeRole:
		return "change_role"
	case ChangeStatus:
		return "change_status"
	case EditProfile:
		return "edit_profile"
	case ManageKeys:
		return "manage_keys"
	case ReadAudit:
		return "read_audit"
	case ManageRoles:
		return "manage_roles"
	case ApproveRequests:
		return "approve_requests"
	case ManagePartners:
		return "manage_partners"
	case ManageServiceKeys:
		return "manage_service_keys"
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// ParseAction returns the Action named name, or an error wrapping
// ErrUnknownAction.
func ParseAction(name string) (Action, error) {
	for a := range numActions {
		if a.String() == name {
			return a, nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownAction, name)
}

// MarshalText implements encoding.TextMarshaler, so Actions key JSON maps.
func (a Action) MarshalText() ([]byte, error) {
	if a >= numActions {
		return nil, fmt.Errorf("%w: %d", ErrUnknownAction, uint8(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Action) UnmarshalText(b []byte) error {
	v, err := ParseAction(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
