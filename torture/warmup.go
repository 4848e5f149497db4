package main

// The warm-up phase: a few good connections and one overload burst, before
// anything is counted. The Go runtime starts threads when it needs them
// and keeps them for the life of the process, so a server's first burst
// grows it once; counted as "before", that growth would look like a leak.

// warmUp makes the server reach its working size before the "before"
// counts.
func (r *run) warmUp() {
	rng := r.rng()
	for range 5 {
		r.good(rng, r.patience())
	}
	r.burst(r.crowd())
}
