package main

import (
	"math"
	"math/bits"
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

// What the report prints for a value, the upper bound of its bucket, is
// within 1% of the value from a microsecond to an hour, and the bound
// histSub promises holds everywhere: the claim of histogram's doc.
func TestRelativeError(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	worst := 0.0
	for range 1000000 {
		// log-uniform from 1 µs to 1 h, and each power of two's edges
		ns := uint64(math.Exp(math.Log(1e3) + r.Float64()*(math.Log(3.6e12)-math.Log(1e3))))
		for _, v := range []uint64{ns, 1 << (bits.Len64(ns) - 1), 1<<bits.Len64(ns) - 1} {
			got := upper(bucket(v))
			if got < v {
				t.Fatalf("%d ns reported as %d", v, got)
			}
			worst = max(worst, float64(got-v)/float64(v))
		}
	}
	if worst > 1.0/histSub || worst >= 0.01 {
		t.Fatalf("relative error up to %.4f%%, want under 1%%", 100*worst)
	}
	t.Logf("worst relative error %.4f%%", 100*worst)
	var h histogram
	h.add(time.Duration(1<<histTop - 1))
	if b := bucket(1<<histTop - 1); b != histBuckets-1 {
		t.Fatalf("the largest value kept lands in bucket %d of %d", b, histBuckets)
	}
}
