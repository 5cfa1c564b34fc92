package rosterotel_test

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	rosterotel "github.com/rosterhq/roster/examples/otel"
)

// A store whose units of work are spans: set the Observer in the Env.
func ExampleObserver() {
	ctx := context.Background()
	exp := tracetest.NewInMemoryExporter() // a real host: an OTLP exporter
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(ctx)

	s, _ := memstore.New(store.Env{Policy: policy, Observer: rosterotel.Observer(tp)})
	org, ada, _ := member.CreateOrg(ctx, s, member.NewOrg{Name: "Acme", Owner: member.NewUser{UserID: "ada", Email: "ada@acme.io"}})
	bob, _ := member.AddMember(ctx, s, org.ID, ada.ID, member.NewMember{Role: "viewer",
		NewUser: member.NewUser{UserID: "bob", Email: "bob@acme.io"}})
	member.ChangeRole(ctx, s, org.ID, bob.ID, ada.ID, "viewer")

	for _, sp := range exp.GetSpans() {
		a := attrs(sp)
		fmt.Println(sp.Name, a[rosterotel.Outcome].AsString(), a[rosterotel.Refusal].AsString(), a[rosterotel.Events].AsStringSlice())
	}
	// Output:
	// member.CreateOrg committed  [org.created]
	// member.AddMember committed  [member.added]
	// member.ChangeRole refused forbidden []
}
