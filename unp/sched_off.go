//go:build noschedpoint

package unp

// The experiment, not the servers: built with -tags noschedpoint, a program
// runs without sched.go's mechanism (no spare processor for a pooled child,
// no yield before its waits), so that the bench's -runtime rows can measure
// what the mechanism saves, design by design, beside the servers as they
// are built by default. No server reads an environment variable for it.
const schedPointOn = false
