// Package bell is the wake-up behind store.Store.Changes, shared by the
// stores: a channel closed at each commit that wrote events.
package bell
