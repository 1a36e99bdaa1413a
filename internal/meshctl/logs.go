package meshctl

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/wasmesh/wasmesh/control/report"
)

func init() {
	commands = append(commands, func(e *env) *cobra.Command {
		var service string
		var minCode, limit int
		var follow bool
		var every time.Duration
		c := &cobra.Command{
			Use:   "logs",
			Short: "Show the request reports proxies sent to meshd",
			Long: `logs prints the newest report records of meshd's sink (/v1/report), the records
the telemetry filter batches from each proxy. --service filters by destination
service (substring), --code by a minimum status code (--code 400 for errors).
-f keeps polling and prints new records as they arrive (Ctrl-C stops).`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if err := e.checkOutput(); err != nil {
					return err
				}
				q := url.Values{}
				if service != "" {
					q.Set("service", service)
				}
				if minCode > 0 {
					q.Set("minCode", strconv.Itoa(minCode))
				}
				q.Set("limit", strconv.Itoa(limit))
				recs, err := e.reports(cmd.Context(), q)
				if err != nil {
					return err
				}
				if !follow {
					if ok, err := e.structured(recs); ok {
						return err
					}
					if len(recs) == 0 {
						fmt.Fprintln(e.stderr, "no report records yet; proxies report through the telemetry filter (WasmPlugin with reportCluster)")
						return nil
					}
					return table(e.stdout, recordHeader, recordRows(reverse(recs)))
				}
				return e.followReports(cmd.Context(), q, recs, every)
			},
		}
		c.Flags().StringVar(&service, "service", "", "only records whose destination service contains this")
		c.Flags().IntVar(&minCode, "code", 0, "only records with a status code >= this")
		c.Flags().IntVar(&limit, "limit", 50, "at most this many records")
		c.Flags().BoolVarP(&follow, "follow", "f", false, "keep polling for new records")
		c.Flags().DurationVar(&every, "interval", time.Second, "poll interval with -f")
		return c
	})
}

const recordHeader = "TIME\tREPORTER\tSOURCE\tDESTINATION\tMETHOD\tPATH\tCODE\tMS\tREASON"

func (e *env) reports(ctx context.Context, q url.Values) ([]report.Record, error) {
	var recs []report.Record
	err := e.getJSON(ctx, "/v1/report?"+q.Encode(), &recs)
	return recs, err
}

// followReports prints records oldest first and then those newer than
// the last printed, until ctx ends.
func (e *env) followReports(ctx context.Context, q url.Values, recs []report.Record, every time.Duration) error {
	var last time.Time
	print := func(recs []report.Record) {
		for _, r := range reverse(recs) {
			if !r.Time.After(last) {
				continue
			}
			last = r.Time
			if ok, _ := e.structured(r); !ok {
				row := recordRows([]report.Record{r})[0]
				fmt.Fprintf(e.stdout, "%s  %-11s  %s → %s  %s %s  %s  %sms  %s\n", row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], orDash(row[8]))
			}
		}
	}
	print(recs)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		recs, err := e.reports(ctx, q)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		print(recs)
	}
}

func reverse(recs []report.Record) []report.Record {
	out := make([]report.Record, len(recs))
	for i, r := range recs {
		out[len(recs)-1-i] = r
	}
	return out
}

func recordRows(recs []report.Record) [][]string {
	rows := make([][]string, 0, len(recs))
	for _, r := range recs {
		dest := r.Destination
		if r.Service != "" {
			dest = r.Service
		}
		rows = append(rows, []string{r.Time.UTC().Format("15:04:05.000"), r.Reporter, r.Source, dest, r.Method, r.Path,
			strconv.Itoa(r.Code), strconv.FormatInt(r.DurationMs, 10), r.Reason})
	}
	return rows
}
