package rule

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/store"
)

// systemKey is the context key of the system principal. It is unexported
// and internal: only member.AsSystem, which the host calls in its own code,
// puts one in a context, so nothing an end user sends can become the
// system.
type systemKey struct{}

// WithSystem returns ctx under which the rules act as the host's system
// principal name.
func WithSystem(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, systemKey{}, name)
}

// SystemOf returns the system principal that ctx carries, if any.
func SystemOf(ctx context.Context) (string, bool) {
	n, ok := ctx.Value(systemKey{}).(string)
	return n, ok
}

// CheckSystemName validates a system principal's name: a name of the
// policy's form (letters, digits and ._:-, at most access.MaxNameLen bytes).
func CheckSystemName(name string) error {
	if err := access.ValidName(name); err != nil {
		return fmt.Errorf("%w: system principal %q: %w", store.ErrInvalid, name, err)
	}
	return nil
}

// System returns the system principal of ctx, validated, or ErrInvalid
// when ctx carries none: for the operations that only the host may run
// (member.ChangeEmail, Deprovision, Erase).
func System(ctx context.Context, what string) (string, error) {
	name, ok := SystemOf(ctx)
	if !ok {
		return "", fmt.Errorf("%w: %s is the host's: run it under member.AsSystem", store.ErrInvalid, what)
	}
	return name, CheckSystemName(name)
}

// CheckActor validates the actor argument of a rule against ctx: under a
// system context it must be the zero ID (member.System), else a member's
// ID (not the zero ID).
func CheckActor(ctx context.Context, id store.ID) error {
	name, sys := SystemOf(ctx)
	switch {
	case sys && id != uuid.Nil:
		return fmt.Errorf("%w: actor %v under the system principal %q: pass member.System as the actor, or drop AsSystem", store.ErrInvalid, id, name)
	case sys:
		return CheckSystemName(name)
	case id == uuid.Nil:
		return fmt.Errorf("%w: actor is the nil ID (the host acts as member.System under member.AsSystem only)", store.ErrInvalid)
	}
	return nil
}
