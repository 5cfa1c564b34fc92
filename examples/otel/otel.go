package rosterotel

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rosterhq/roster/store"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Scope is the instrumentation scope of the spans this package makes.
const Scope = "github.com/rosterhq/roster/examples/otel"

// The attributes of the spans.
const (
	Rule    = attribute.Key("roster.rule")
	Org     = attribute.Key("roster.org")
	Org2    = attribute.Key("roster.org2")
	Actor   = attribute.Key("roster.actor")
	Outcome = attribute.Key("roster.outcome")
	Refusal = attribute.Key("roster.refusal")
	Events  = attribute.Key("roster.events")
	// Statement is the SQL text of a statement's span.
	Statement = attribute.Key("db.query.text")
)

// The outcomes of a unit of work.
const (
	Committed = "committed"
	Refused   = "refused"
	Failed    = "failed"
)

// HostUnit names the span of a unit of work the host opened itself with
// Store.Update, whose rule is "".
const HostUnit = "roster.Update"

// Observer returns a store.Observer that records each unit of work as a
// span of tp's tracer (see the package doc).
func Observer(tp trace.TracerProvider) store.Observer {
	t := tp.Tracer(Scope)
	return store.ObserverFunc(func(ctx context.Context, u store.Unit) {
		end := time.Now()
		name := u.Rule
		if name == "" {
			name = HostUnit
		}
		attrs := make([]attribute.KeyValue, 0, 6)
		attrs = append(attrs, Rule.String(u.Rule), Outcome.String(OutcomeOf(u)))
		if len(u.Orgs) > 0 {
			attrs = append(attrs, Org.String(u.Orgs[0].String()))
		}
		if len(u.Orgs) > 1 {
			attrs = append(attrs, Org2.String(u.Orgs[1].String()))
		}
		if u.Actor != (store.ID{}) {
			attrs = append(attrs, Actor.String(u.Actor.String()))
		}
		switch {
		case u.Err == nil:
			types := make([]string, len(u.Events))
			for i, e := range u.Events {
				types[i] = string(e)
			}
			attrs = append(attrs, Events.StringSlice(types))
		case u.Refused():
			code, _ := store.ErrorCode(u.Err)
			attrs = append(attrs, Refusal.String(code))
		}
		_, span := t.Start(ctx, name, trace.WithTimestamp(end.Add(-u.Duration)),
			trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
		if u.Err != nil && !u.Refused() {
			span.RecordError(u.Err)
			span.SetStatus(codes.Error, u.Err.Error())
		}
		span.End(trace.WithTimestamp(end))
	})
}

// OutcomeOf says how a unit of work ended: Committed, Refused (by a rule or
// by bad input) or Failed.
func OutcomeOf(u store.Unit) string {
	switch {
	case u.Err == nil:
		return Committed
	case u.Refused():
		return Refused
	}
	return Failed
}

// StatementAttributes returns the attributes that attribute a statement
// sent under ctx to its rule: for the spans of a database driver's tracer.
func StatementAttributes(ctx context.Context) []attribute.KeyValue {
	return []attribute.KeyValue{Rule.String(store.RuleOf(ctx))}
}

// QueryTracer returns a pgx.QueryTracer (pgx.ConnConfig.Tracer) that
// records each statement as a span of tp's tracer named "roster.sql", with
// its SQL text and the rule that sent it (StatementAttributes).
func QueryTracer(tp trace.TracerProvider) pgx.QueryTracer {
	return queryTracer{tp.Tracer(Scope)}
}

type queryTracer struct{ t trace.Tracer }

func (q queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	attrs := append(StatementAttributes(ctx), Statement.String(d.SQL))
	ctx, _ = q.t.Start(ctx, "roster.sql", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx
}

func (q queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if d.Err != nil {
		span.RecordError(d.Err)
		span.SetStatus(codes.Error, d.Err.Error())
	}
	span.End()
}
