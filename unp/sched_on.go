//go:build !noschedpoint

package unp

// schedPointOn: the pooled children get their spare processor and pass
// through the scheduler (sched.go). Only the experiment turns it off.
const schedPointOn = true
