package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// ruleTracer is a pgx query tracer that notes the rule each statement's
// context names.
type ruleTracer struct {
	mu    sync.Mutex
	rules map[string]int // rule → statements
}

func (r *ruleTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	r.rules[store.RuleOf(ctx)]++
	r.mu.Unlock()
	return ctx
}

func (r *ruleTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestStatementsNameTheirRule traces the statements a store sends to
// PostgreSQL through pgx: with an Observer set, each statement of a rule's
// unit of work carries the rule's name in its context (store.RuleOf), for
// a driver-level tracer to attribute it.
func TestStatementsNameTheirRule(t *testing.T) {
	requireDB(t, sqlstore.Postgres)
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(dsns[sqlstore.Postgres])
	require.NoError(t, err)
	tr := &ruleTracer{rules: map[string]int{}}
	cfg.Tracer = tr
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { db.Close() })
	env := fixture.NewEnv(fixture.NewClock(), 42)
	env.Observer = store.ObserverFunc(func(context.Context, store.Unit) {})
	s, err := sqlstore.New(db, sqlstore.Postgres, env, sqlstore.Options{Prefix: fmt.Sprintf("obs%d_", prefixes.Add(1))})
	require.NoError(t, err)
	require.NoError(t, s.Migrate(ctx))
	org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	require.NoError(t, err)
	tr.mu.Lock()
	clear(tr.rules)
	tr.mu.Unlock()
	m, err := member.AddMember(ctx, s, org.ID, owner.ID, member.NewMember{Role: "editor", NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}})
	require.NoError(t, err)
	_, err = member.ChangeRole(ctx, s, org.ID, owner.ID, m.ID, "viewer")
	require.NoError(t, err)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	require.Positive(t, tr.rules["member.AddMember"], "AddMember's statements name it: %v", tr.rules)
	require.Positive(t, tr.rules["member.ChangeRole"], "ChangeRole's statements name it: %v", tr.rules)
	for rule, n := range tr.rules {
		// BEGIN and COMMIT go through database/sql, with the unit of
		// work's context: named too. Only statements outside a unit of
		// work (none here) may be unnamed.
		require.NotEqual(t, "", rule, "%d statements without a rule: %v", n, tr.rules)
	}
}
