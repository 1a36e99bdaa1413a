package main

import (
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"sync"
	"time"
)

// fixedRate sends rps requests per second for dur from 16 workers and reports
// the proxy's RSS and CPU at that rate.
func fixedRate(name string, cmd *exec.Cmd, port, rps int, dur time.Duration) (string, error) {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 5 * time.Second}
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	cpu0, _ := cpuAndRSS(cmd.Process.Pid)
	tick := time.NewTicker(time.Second / time.Duration(rps))
	defer tick.Stop()
	end := time.Now().Add(dur)
	work := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sent, failed int
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				resp, err := c.Get(url)
				mu.Lock()
				sent++
				if err != nil || resp.StatusCode != 200 {
					failed++
				}
				mu.Unlock()
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	for time.Now().Before(end) {
		<-tick.C
		select {
		case work <- struct{}{}:
		default: // the proxy falls behind: count as failed
			mu.Lock()
			failed++
			mu.Unlock()
		}
	}
	close(work)
	wg.Wait()
	cpu1, rss := cpuAndRSS(cmd.Process.Pid)
	return fmt.Sprintf("| %s | %d | %d | %d | %.1f | %.3f |", name, rps, sent, failed, rss, (cpu1-cpu0)/float64(max(sent, 1))*1000), nil
}
