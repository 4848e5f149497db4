package main

import (
	"slices"
	"testing"
	"time"
)

// The held connections of all the children, each child taking every N-th,
// start their schedules evenly spread over one interval: connection g at
// g·every/C, whichever child holds it.
func TestHeldSchedule(t *testing.T) {
	c := config{children: 3, conns: 6, every: 600 * time.Millisecond, requests: 2}
	var offs []int64
	for i := range c.children {
		w := &work{c: c, i: i}
		for m := range c.conns / c.children {
			if g := w.global(m); g != m*3+i {
				t.Fatalf("child %d's connection %d is %d of all", i, m, g)
			}
			offs = append(offs, w.offset(m))
		}
	}
	slices.Sort(offs)
	for g, off := range offs {
		if off != int64(g)*int64(100*time.Millisecond) {
			t.Fatalf("offsets %v, want every 100ms from 0", offs)
		}
	}
	w := &work{c: c}
	if !w.more(1, 0) || w.more(2, 0) {
		t.Error("-requests 2: requests 0 and 1, not 2")
	}
	c.duration = time.Second
	w = &work{c: c}
	if !w.more(100, int64(999*time.Millisecond)) || w.more(0, int64(time.Second)) {
		t.Error("-duration 1s: what is due before it, nothing at or after")
	}
}
