package guest

import "sync"

// checkGoroutines starts goroutines inside a callback and waits for them:
// the Go scheduler runs them within the callback, which is how a filter must
// use goroutines (none may outlive the callback that started it).
func checkGoroutines() {
	var wg sync.WaitGroup
	results := make([]int, 8)
	for i := range results {
		wg.Go(func() {
			for j := range 1000 {
				results[i] += j % (i + 1)
			}
		})
	}
	wg.Wait()
	sum := 0
	for _, r := range results {
		sum += r
	}
	expect("goroutines", sum == 13992, "sum %d", sum)
}
