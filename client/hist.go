package main

import (
	"encoding/binary"
	"math/bits"
	"time"
)

// A histogram counts latencies in buckets whose width grows with the
// value, 128 to each power of two: HdrHistogram's idea, in a few lines.
// Below 128 ns every nanosecond has a bucket of its own; above, a bucket
// that holds v is at most v/128 wide, so any latency from a nanosecond to
// 39 hours (2^47 ns) is kept to within 0.8% of itself, which is the "exact
// to 1% from a microsecond to minutes" a latency report needs, in 42 KB
// however many requests a run makes (TestRelativeError holds it to that).
// The children each keep one and send it to the parent, which adds them up
// and reads the percentiles off the sum.
type histogram struct {
	counts [histBuckets]uint64
	max    time.Duration // the exact largest, which a bucket would round
}

const (
	histBits    = 7             // log2 of the buckets per power of two
	histSub     = 1 << histBits // buckets per power of two: 1/histSub is the relative error
	histTop     = 47            // values below 2^histTop ns (39 h) have buckets of their own
	histBuckets = (histTop - histBits + 1) * histSub
)

// bucket returns the index of the bucket that holds ns.
func bucket(ns uint64) int {
	if ns < histSub {
		return int(ns)
	}
	e := bits.Len64(ns) - histBits - 1 // ns>>e is in [histSub, 2*histSub)
	return min((e+1)*histSub+int(ns>>e)-histSub, histBuckets-1)
}

// upper returns the largest value bucket i holds.
func upper(i int) uint64 {
	if i < histSub {
		return uint64(i)
	}
	e := i/histSub - 1
	return (uint64(i%histSub+histSub)+1)<<e - 1
}

func (h *histogram) add(d time.Duration) {
	h.counts[bucket(uint64(d))]++
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.max = max(h.max, o.max)
}

func (h *histogram) total() uint64 {
	var n uint64
	for _, c := range h.counts {
		n += c
	}
	return n
}

// percentile returns the p-th percentile (nearest rank), as the upper
// bound of its bucket but never above the largest value seen.
func (h *histogram) percentile(p float64) time.Duration {
	n := h.total()
	if n == 0 {
		return 0
	}
	rank := uint64(p/100*float64(n) + 0.999999)
	var seen uint64
	for i, c := range h.counts {
		if seen += c; seen >= max(rank, 1) {
			return min(time.Duration(upper(i)), h.max)
		}
	}
	return h.max
}

// marshal and unmarshal carry a histogram through a child's pipe: the
// largest value, then every count, little-endian.
func (h *histogram) marshal() []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(h.max))
	for _, c := range h.counts {
		b = binary.LittleEndian.AppendUint64(b, c)
	}
	return b
}

func (h *histogram) unmarshal(b []byte) bool {
	if len(b) != 8*(1+histBuckets) {
		return false
	}
	h.max = time.Duration(binary.LittleEndian.Uint64(b))
	for i := range h.counts {
		h.counts[i] = binary.LittleEndian.Uint64(b[8*(i+1):])
	}
	return true
}
