package unp

import "testing"

// TestCPULine checks the CPU line against what the book's C prints for the
// same values with printf("%g"): six significant digits, trailing zeros
// dropped, an exponent from 1e6 up and below 1e-4.
func TestCPULine(t *testing.T) {
	for _, c := range []struct {
		user, sys float64
		want      string
	}{
		{0.098034 + 1e-17, 0.1 + 0.2, "user time = 0.098034, sys time = 0.3"},
		{0, 2, "user time = 0, sys time = 2"},
		{1.0 / 3, 12.3456789, "user time = 0.333333, sys time = 12.3457"},
		{1234567, 0.00001, "user time = 1.23457e+06, sys time = 1e-05"},
		{123456, 0.0001, "user time = 123456, sys time = 0.0001"},
	} {
		if got := cpuLine(c.user, c.sys); got != c.want {
			t.Errorf("cpuLine(%v, %v) = %q, want %q", c.user, c.sys, got, c.want)
		}
	}
}
