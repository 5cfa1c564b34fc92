package access

import "errors"

// Errors returned when a Policy is built or used. Each specific error also
// matches ErrInvalidPolicy when it comes from NewPolicy or ParsePolicy.
var (
	// ErrInvalidPolicy: NewPolicy or ParsePolicy refused the policy.
	ErrInvalidPolicy = errors.New("access: invalid policy")
	// ErrEmptyName: a permission, role or field name is empty.
	ErrEmptyName = errors.New("access: empty name")
	// ErrInvalidName: a name is too long or holds characters outside
	// letters, digits and "._:-".
	ErrInvalidName = errors.New("access: invalid name")
	// ErrDuplicateName: two permissions, or two roles, share a name.
	ErrDuplicateName = errors.New("access: duplicate name")
	// ErrUnknownPermission: a name or value that the policy does not declare.
	ErrUnknownPermission = errors.New("access: unknown permission")
	// ErrTooManyPermissions: more than MaxPermissions permissions. It
	// matches ErrPolicyTooLarge too.
	ErrTooManyPermissions = errors.New("access: too many permissions")
	// ErrPolicyTooLarge: a policy exceeds MaxPermissions, MaxRoles,
	// MaxFields, MaxLabelLen or MaxPolicyBytes.
	ErrPolicyTooLarge = errors.New("access: policy too large")
	// ErrNoOwner: the policy names no owner role.
	ErrNoOwner = errors.New("access: no owner role")
	// ErrUnknownRole: a role name the policy does not declare.
	ErrUnknownRole = errors.New("access: unknown role")
	// ErrUnknownAction: a lifecycle action name that does not exist.
	ErrUnknownAction = errors.New("access: unknown action")
	// ErrInvalidScope: a scope is empty, too long or malformed.
	ErrInvalidScope = errors.New("access: invalid scope")
	// ErrInvalidText: text is not UTF-8, or holds a control or format
	// character (see CheckText). A refused name, label or scope matches it
	// besides ErrInvalidName, ErrInvalidPolicy or ErrInvalidScope.
	ErrInvalidText = errors.New("access: invalid text")
)
