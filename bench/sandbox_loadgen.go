// Command sandbox_loadgen is the HTTP load generator of bench/sandbox_throughput.py.
//
// It runs -c clients for -d seconds, each sending GET requests over its own keep-alive
// connection, cycling through the URLs given one per line on standard input, and prints one
// JSON object: requests, requests per second, latency percentiles, status counts, errors.
// It refuses any URL whose host is not 127.0.0.1.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"sync"
	"time"
)

type result struct {
	Requests int            `json:"requests"`
	Seconds  float64        `json:"seconds"`
	RPS      float64        `json:"rps"`
	P50Ms    float64        `json:"p50_ms"`
	P99Ms    float64        `json:"p99_ms"`
	Statuses map[string]int `json:"statuses"`
	Errors   int            `json:"errors"`
}

func main() {
	clients := flag.Int("c", 50, "concurrent clients")
	seconds := flag.Float64("d", 5, "seconds to run")
	flag.Parse()

	var targets []string
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		line := scanner.Text()
		if line == "" {
			continue
		}
		parsed, err := url.Parse(line)
		if err != nil || parsed.Hostname() != "127.0.0.1" {
			fmt.Fprintf(os.Stderr, "refusing %q: only http://127.0.0.1 is allowed\n", line)
			os.Exit(2)
		}
		targets = append(targets, line)
	}
	if len(targets) == 0 {
		fmt.Fprintln(os.Stderr, "give at least one URL on standard input")
		os.Exit(2)
	}

	transport := &http.Transport{MaxIdleConns: *clients, MaxIdleConnsPerHost: *clients, DisableCompression: true}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	deadline := time.Now().Add(time.Duration(*seconds * float64(time.Second)))

	var mutex sync.Mutex
	var latencies []time.Duration
	statuses := map[string]int{}
	errors := 0
	var group sync.WaitGroup
	started := time.Now()
	for worker := 0; worker < *clients; worker++ {
		group.Add(1)
		go func(worker int) {
			defer group.Done()
			own := make([]time.Duration, 0, 4096)
			ownStatuses := map[string]int{}
			ownErrors := 0
			for i := worker; time.Now().Before(deadline); i++ {
				begin := time.Now()
				response, err := client.Get(targets[i%len(targets)])
				if err != nil {
					ownErrors++
					continue
				}
				io.Copy(io.Discard, response.Body)
				response.Body.Close()
				own = append(own, time.Since(begin))
				ownStatuses[fmt.Sprint(response.StatusCode)]++
			}
			mutex.Lock()
			latencies = append(latencies, own...)
			for status, count := range ownStatuses {
				statuses[status] += count
			}
			errors += ownErrors
			mutex.Unlock()
		}(worker)
	}
	group.Wait()
	elapsed := time.Since(started).Seconds()

	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	percentile := func(share float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		index := int(share * float64(len(latencies)-1))
		return float64(latencies[index].Microseconds()) / 1000
	}
	out := result{Requests: len(latencies), Seconds: elapsed, RPS: float64(len(latencies)) / elapsed,
		P50Ms: percentile(0.50), P99Ms: percentile(0.99), Statuses: statuses, Errors: errors}
	json.NewEncoder(os.Stdout).Encode(out)
}
