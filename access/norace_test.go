//go:build !race

package access_test

// raceSlowdown: no race detector, no slowdown (race_test.go).
const raceSlowdown = 1
