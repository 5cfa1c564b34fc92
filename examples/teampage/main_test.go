package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rosterhq/roster/store"
)

// TestSeedOnce checks that the demo's data is written once: a second start
// on the same database file finds Northwind and adds nothing.
func TestSeedOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "team.db")
	db, err := open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	first, err := seed(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	events, err := db.Events(ctx, first, 0, store.MaxPageSize)
	if err != nil {
		t.Fatal(err)
	}
	again, err := open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	second, err := seed(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if second != first {
		t.Errorf("second start: organisation %v, want %v", second, first)
	}
	after, err := again.Events(ctx, first, 0, store.MaxPageSize)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(events) {
		t.Errorf("second start wrote %d events", len(after)-len(events))
	}
	ms, _, err := again.Members(ctx, first, store.Filter{}, store.Page{})
	if err != nil || len(ms) != 4 {
		t.Errorf("%d members, %v; want Nora, Ada, Vic and Sam", len(ms), err)
	}
}
