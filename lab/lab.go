// Package lab is the machinery that the bench, the torture test and the
// testscript harness share to run the workspace's programs as a user
// would: it builds them with the go command, starts each in a process
// group of its own that dies with the caller, kills and reaps whatever a
// group leaves behind, and reads what a process holds from /proc, as ps
// does, so that a leak cannot hide behind the program's own report.
//
// It is Linux only (/proc, PR_SET_PDEATHSIG). It does not import unp, the
// book's library, and unp does not import it: the servers are programs to
// lab, and the book's code knows no harness.
package lab
