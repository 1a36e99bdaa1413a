package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// ratio is one comparison printed per round: a over b in rps.
type ratio struct{ a, b string }

var ratios = []ratio{{"meshproxy", "nginx"}, {"meshproxy", "caddy"}, {"meshproxy+wasm", "meshproxy"}}

// printRounds adds, for runs of several rounds, each proxy's median rps and
// the ratios of each round (compared within the round, where the machine's
// drift matters least) with their median.
func printRounds(w io.Writer, results []result) {
	rps := map[string][]float64{}
	byRound := map[int]map[string]float64{}
	var names []string
	for _, r := range results {
		if _, ok := rps[r.name]; !ok {
			names = append(names, r.name)
		}
		rps[r.name] = append(rps[r.name], r.rps)
		if byRound[r.round] == nil {
			byRound[r.round] = map[string]float64{}
		}
		byRound[r.round][r.name] = r.rps
	}
	fmt.Fprintln(w, "\n| proxy | median rps | runs |")
	fmt.Fprintln(w, "|---|---:|---|")
	for _, n := range names {
		fmt.Fprintf(w, "| %s | %.0f | %s |\n", n, median(rps[n]), joinRPS(rps[n]))
	}
	fmt.Fprintln(w, "\n| ratio | per round | median |")
	fmt.Fprintln(w, "|---|---|---:|")
	for _, q := range ratios {
		var per []float64
		for round := range len(byRound) {
			a, okA := byRound[round][q.a]
			b, okB := byRound[round][q.b]
			if okA && okB && b > 0 {
				per = append(per, a/b)
			}
		}
		if len(per) == 0 {
			continue
		}
		parts := make([]string, len(per))
		for i, v := range per {
			parts[i] = fmt.Sprintf("%.2f", v)
		}
		fmt.Fprintf(w, "| %s / %s | %s | %.2f |\n", q.a, q.b, strings.Join(parts, ", "), median(per))
	}
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func joinRPS(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(parts, ", ")
}
