//go:build race

package access_test

// raceSlowdown scales the refusal bound of refusedQuickly under the race
// detector, which slows this code by up to ten times, more on a loaded
// machine (6.6 s measured on two cores at load 20).
const raceSlowdown = 5
