package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/rosterhq/roster/internal/errs"
)

// An Observer is told of every unit of work a store runs (Env.Observer):
// which rule, on which organisations, by which actor, with what outcome,
// and how long it took. A store with no Observer pays nothing for it.
//
// Unit is called after the unit of work ended, on the goroutine that ran
// it; it must not block, and must not call the store.
type Observer interface {
	Unit(ctx context.Context, u Unit)
}

// A Unit is what an Observer is told of one unit of work.
type Unit struct {
	// Rule names the rule that ran it, as "member.ChangeRole", for a rule's
	// plain form; it is "" for a unit of work the host opened with
	// Store.Update, whatever Tx forms ran in it.
	Rule string
	// Orgs are the organisations it was on (two for a pair; none before
	// InsertOrg gave one).
	Orgs []ID
	// Actor is the member that acted, once a rule loaded it; zero for the
	// host acting as the system, or a refusal before the actor was read.
	Actor ID
	// System names the system principal the unit of work ran as
	// (member.AsSystem), or is "" for a member or the unnamed host.
	System string
	// Events are the types of the events it wrote, if it committed.
	Events []EventType
	// Duration is how long it took, waiting for the organisation included.
	Duration time.Duration
	// Err is nil if it committed, else the error its caller got.
	Err error
}

// Refused reports whether the unit of work was refused by a rule or by bad
// input (an error with a code, such as forbidden or invalid), as opposed
// to committing, or failing (a database error, a context's end).
func (u Unit) Refused() bool {
	if u.Err == nil {
		return false
	}
	if errors.Is(u.Err, context.Canceled) || errors.Is(u.Err, context.DeadlineExceeded) || errors.Is(u.Err, ErrOutcomeUnknown) {
		return false
	}
	return errs.Lookup(u.Err).Code != "internal"
}

// ObserverFunc is an Observer from a function.
type ObserverFunc func(ctx context.Context, u Unit)

// Unit calls f.
func (f ObserverFunc) Unit(ctx context.Context, u Unit) { f(ctx, u) }

// SlogObserver returns an Observer that logs each unit of work to l: at
// Debug when it committed, Info when a rule refused it (with the refusal's
// code), Error when it failed.
func SlogObserver(l *slog.Logger) Observer {
	return ObserverFunc(func(ctx context.Context, u Unit) {
		level, msg := slog.LevelDebug, "roster: committed"
		attrs := []slog.Attr{slog.String("rule", u.Rule), slog.Duration("duration", u.Duration)}
		if len(u.Orgs) > 0 {
			attrs = append(attrs, slog.String("org", u.Orgs[0].String()))
		}
		if len(u.Orgs) > 1 {
			attrs = append(attrs, slog.String("org2", u.Orgs[1].String()))
		}
		if u.Actor != (ID{}) {
			attrs = append(attrs, slog.String("actor", u.Actor.String()))
		}
		if u.System != "" {
			attrs = append(attrs, slog.String("system", u.System))
		}
		switch {
		case u.Err == nil:
			types := make([]string, len(u.Events))
			for i, e := range u.Events {
				types[i] = string(e)
			}
			attrs = append(attrs, slog.Any("events", types))
		case u.Refused():
			code, _ := ErrorCode(u.Err)
			level, msg = slog.LevelInfo, "roster: refused"
			attrs = append(attrs, slog.String("code", code), slog.String("error", u.Err.Error()))
		default:
			level, msg = slog.LevelError, "roster: failed"
			attrs = append(attrs, slog.String("error", u.Err.Error()))
		}
		l.LogAttrs(ctx, level, msg, attrs...)
	})
}

type ruleKey struct{}

// WithRule returns ctx naming the rule that runs a unit of work under it,
// for the store to tell its Observer, and for a database driver's tracer to
// attribute each statement. A store with an Observer names the rule itself
// where a unit of work begins (the member or invite function that opened
// it); a host that opens units of work of its own may name them with
// WithRule.
func WithRule(ctx context.Context, rule string) context.Context {
	return context.WithValue(ctx, ruleKey{}, rule)
}

// RuleOf returns the rule that WithRule named in ctx, or "". A SQL store
// runs every statement of a unit of work under a context that keeps it, so
// a driver-level tracer (pgx's QueryTracer, say) can attribute the
// statement to its rule.
func RuleOf(ctx context.Context) string {
	r, _ := ctx.Value(ruleKey{}).(string)
	return r
}

// An ActorNoter is a Tx that takes note of the actor the rules loaded, for
// its Observer. The rules call NoteActor when they load an actor.
type ActorNoter interface {
	NoteActor(id ID)
}
