package rosterotel_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	_ "modernc.org/sqlite"

	rosterotel "github.com/rosterhq/roster/examples/otel"
)

const (
	viewProducts access.Permission = iota
	manageMembers
)

var policy = access.MustPolicy(access.Spec{
	Permissions: []access.PermissionSpec{{Name: "products.view"}, {Name: "members.manage"}},
	Roles: []access.RoleSpec{{Name: "owner"}, {Name: "admin", Permissions: access.SetOf(viewProducts, manageMembers)},
		{Name: "viewer", Permissions: access.SetOf(viewProducts)}},
	Owner: "owner",
	Gates: map[access.Action]access.Permission{access.Invite: manageMembers, access.AddMember: manageMembers,
		access.ChangeRole: manageMembers},
})

// attrs returns a span's attributes by key.
func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

// TestObserverSpans runs real rules on memstore and on SQLite with the
// Observer, under a request's span, and checks the span of each unit of
// work: its name, parent, times and attributes (rule, organisation, actor,
// outcome, refusal code, events) and, for a failure, its status.
func TestObserverSpans(t *testing.T) {
	stores := map[string]func(t *testing.T, env store.Env) store.Store{
		"memstore": func(t *testing.T, env store.Env) store.Store {
			s, err := memstore.New(env)
			require.NoError(t, err)
			return s
		},
		"sqlite": func(t *testing.T, env store.Env) store.Store {
			db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "roster.db")))
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			s, err := sqlstore.New(db, sqlstore.SQLite, env, sqlstore.Options{})
			require.NoError(t, err)
			require.NoError(t, s.Migrate(context.Background()))
			return s
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			exp := tracetest.NewInMemoryExporter()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			s := open(t, store.Env{Policy: policy, Observer: rosterotel.Observer(tp)})

			ctx, request := tp.Tracer("test").Start(context.Background(), "POST /members")
			org, ada, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
			require.NoError(t, err)
			bob, err := member.AddMember(ctx, s, org.ID, ada.ID, member.NewMember{Role: "viewer",
				NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}})
			require.NoError(t, err)
			_, err = member.ChangeRole(ctx, s, org.ID, bob.ID, ada.ID, "viewer")
			require.ErrorIs(t, err, member.ErrForbidden)
			_, tok, err := invite.Send(ctx, s, org.ID, ada.ID, invite.NewInvitation{Email: "cy@acme.io", Role: "viewer"})
			require.NoError(t, err)
			_, err = invite.Accept(ctx, s, tok, invite.Invitee{UserID: "cy", Email: "cy@acme.io"})
			require.NoError(t, err)
			boom := errors.New("disk on fire")
			err = s.Update(ctx, org.ID, func(tx store.Tx) error { return boom })
			require.ErrorIs(t, err, boom)
			request.End()

			spans := exp.GetSpans()
			byName := map[string]tracetest.SpanStub{}
			var names []string
			for _, sp := range spans {
				byName[sp.Name] = sp
				names = append(names, sp.Name)
			}
			require.Equal(t, []string{"member.CreateOrg", "member.AddMember", "member.ChangeRole", "invite.Send",
				"invite.Accept", rosterotel.HostUnit, "POST /members"}, names)
			parent := byName["POST /members"].SpanContext
			for _, sp := range spans[:len(spans)-1] {
				require.Equal(t, parent.TraceID(), sp.SpanContext.TraceID(), "%s: in the request's trace", sp.Name)
				require.Equal(t, parent.SpanID(), sp.Parent.SpanID(), "%s: a child of the request's span", sp.Name)
				require.False(t, sp.EndTime.Before(sp.StartTime), sp.Name)
				require.Equal(t, rosterotel.Scope, sp.InstrumentationScope.Name)
				require.Equal(t, trace.SpanKindInternal, sp.SpanKind)
			}

			a := attrs(byName["member.AddMember"])
			require.Equal(t, "member.AddMember", a[rosterotel.Rule].AsString())
			require.Equal(t, org.ID.String(), a[rosterotel.Org].AsString())
			require.Equal(t, ada.ID.String(), a[rosterotel.Actor].AsString())
			require.Equal(t, rosterotel.Committed, a[rosterotel.Outcome].AsString())
			require.Equal(t, []string{string(store.MemberAdded)}, a[rosterotel.Events].AsStringSlice())
			require.NotContains(t, a, rosterotel.Refusal)
			require.Equal(t, codes.Unset, byName["member.AddMember"].Status.Code)

			a = attrs(byName["member.ChangeRole"])
			require.Equal(t, rosterotel.Refused, a[rosterotel.Outcome].AsString())
			require.Equal(t, "forbidden", a[rosterotel.Refusal].AsString())
			require.Equal(t, bob.ID.String(), a[rosterotel.Actor].AsString(), "the actor that was refused")
			require.NotContains(t, a, rosterotel.Events)
			require.Equal(t, codes.Unset, byName["member.ChangeRole"].Status.Code, "a refusal is no failure")

			a = attrs(byName["invite.Accept"])
			require.Equal(t, rosterotel.Committed, a[rosterotel.Outcome].AsString())
			require.Equal(t, org.ID.String(), a[rosterotel.Org].AsString())
			require.Equal(t, []string{string(store.InvitationAccepted)}, a[rosterotel.Events].AsStringSlice())

			a = attrs(byName["member.CreateOrg"])
			require.Equal(t, org.ID.String(), a[rosterotel.Org].AsString())
			require.Contains(t, a[rosterotel.Events].AsStringSlice(), string(store.OrgCreated))

			host := byName[rosterotel.HostUnit]
			a = attrs(host)
			require.Equal(t, "", a[rosterotel.Rule].AsString())
			require.Equal(t, rosterotel.Failed, a[rosterotel.Outcome].AsString())
			require.Equal(t, codes.Error, host.Status.Code)
			require.Equal(t, "disk on fire", host.Status.Description)
			require.True(t, slices.ContainsFunc(host.Events, func(e sdktrace.Event) bool { return e.Name == "exception" }), "the error recorded")
		})
	}
}

// TestStatementSpans traces the statements a store sends to PostgreSQL
// through pgx with QueryTracer: each statement of a rule's unit of work is
// a span that names the rule, in the request's trace.
func TestStatementSpans(t *testing.T) {
	dsn := os.Getenv("ROSTER_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("ROSTER_TEST_REQUIRE_DB") == "1" {
			t.Fatal("set ROSTER_TEST_POSTGRES to a PostgreSQL DSN")
		}
		t.Skip("ROSTER_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	schema := "roster_otel_" + randomHex(6)
	admin, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close() })
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE") })

	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	cfg.RuntimeParams["search_path"] = schema
	cfg.Tracer = rosterotel.QueryTracer(tp)
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { db.Close() })
	s, err := sqlstore.New(db, sqlstore.Postgres, store.Env{Policy: policy, Observer: rosterotel.Observer(tp)}, sqlstore.Options{})
	require.NoError(t, err)
	require.NoError(t, s.Migrate(ctx))
	org, ada, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	require.NoError(t, err)
	exp.Reset()

	rctx, request := tp.Tracer("test").Start(ctx, "POST /members")
	_, err = member.AddMember(rctx, s, org.ID, ada.ID, member.NewMember{Role: "viewer",
		NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}})
	require.NoError(t, err)
	request.End()

	var statements, units int
	for _, sp := range exp.GetSpans() {
		switch sp.Name {
		case "roster.sql":
			statements++
			a := attrs(sp)
			require.Equal(t, "member.AddMember", a[rosterotel.Rule].AsString(), "statement %q", a[rosterotel.Statement].AsString())
			require.NotEmpty(t, a[rosterotel.Statement].AsString())
			require.Equal(t, request.SpanContext().TraceID(), sp.SpanContext.TraceID())
			require.Equal(t, trace.SpanKindClient, sp.SpanKind)
		case "member.AddMember":
			units++
		}
	}
	require.Positive(t, statements, "the unit of work's statements are traced")
	require.Equal(t, 1, units)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
