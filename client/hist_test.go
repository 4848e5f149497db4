package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Every value lands in a bucket whose bounds hold it, within 1/64 of it.
func TestBucketBounds(t *testing.T) {
	for _, ns := range []uint64{0, 1, 63, 64, 65, 127, 128, 1000, 123456, 1 << 30, 1<<40 + 12345} {
		i := bucket(ns)
		lo := uint64(0)
		if i > 0 {
			lo = upper(i-1) + 1
		}
		if ns < lo || ns > upper(i) {
			t.Fatalf("%d in bucket %d, which holds %d..%d", ns, i, lo, upper(i))
		}
		if w := upper(i) - lo; ns >= histSub && float64(w) > float64(ns)/histSub {
			t.Fatalf("%d in a bucket %d wide", ns, w)
		}
	}
}

// The histogram's percentiles agree with the sorted samples' to within
// the bucket width.
func TestPercentilesMatchSorted(t *testing.T) {
	var h histogram
	var all []time.Duration
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		d := time.Duration(r.ExpFloat64() * float64(300*time.Microsecond))
		h.add(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, p := range []float64{50, 99, 99.9, 100} {
		exact := all[int(p/100*float64(len(all))+0.999999)-1]
		got := h.percentile(p)
		if got < exact || float64(got-exact) > float64(exact)/histSub+1 {
			t.Errorf("p%v: histogram %v, samples %v", p, got, exact)
		}
	}
	var back histogram
	if !back.unmarshal(h.marshal()) || back != h {
		t.Fatal("a histogram does not survive marshal and unmarshal")
	}
}
