package main

import (
	"strings"
	"testing"
)

func TestPrintRounds(t *testing.T) {
	var b strings.Builder
	printRounds(&b, []result{
		{name: "nginx", rps: 100, round: 0}, {name: "meshproxy", rps: 80, round: 0},
		{name: "nginx", rps: 50, round: 1}, {name: "meshproxy", rps: 45, round: 1},
		{name: "nginx", rps: 100, round: 2}, {name: "meshproxy", rps: 70, round: 2},
	})
	for _, want := range []string{
		"| nginx | 100 | 100, 50, 100 |",
		"| meshproxy | 70 | 80, 45, 70 |",
		"| meshproxy / nginx | 0.80, 0.90, 0.70 | 0.80 |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "caddy") {
		t.Errorf("a ratio with a proxy that did not run:\n%s", b.String())
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
