package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// config is the plugin configuration (JSON). Every field is optional.
type config struct {
	// Reporter is "source" for the client-side sidecar, "destination" for the
	// server side; empty derives it from the listener direction.
	Reporter string `json:"reporter,omitempty"`
	// ReportCluster is the cluster of meshd's report sink; empty disables
	// access-log reports (metrics are still kept).
	ReportCluster string `json:"reportCluster,omitempty"`
	// ReportAuthority and ReportPath address the sink's HTTP endpoint.
	ReportAuthority string `json:"reportAuthority,omitempty"`
	ReportPath      string `json:"reportPath,omitempty"`
	// BatchMaxEntries and BatchMaxTime bound a report batch (Mixer's
	// defaults: 100 entries, 1 s).
	BatchMaxEntries int    `json:"batchMaxEntries,omitempty"`
	BatchMaxTime    string `json:"batchMaxTime,omitempty"`
	// ReportTimeout bounds one report call.
	ReportTimeout string `json:"reportTimeout,omitempty"`

	batchMaxTime, reportTimeout time.Duration
}

func parseConfig(b []byte) (config, error) {
	c := config{ReportAuthority: "meshd", ReportPath: "/v1/report", BatchMaxEntries: 100, BatchMaxTime: "1s", ReportTimeout: "5s"}
	if len(strings.TrimSpace(string(b))) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("telemetry: plugin configuration: %w", err)
		}
	}
	var errs []error
	switch c.Reporter {
	case "", "source", "destination":
	default:
		errs = append(errs, fmt.Errorf("telemetry: plugin configuration: reporter must be \"source\" or \"destination\", got %q", c.Reporter))
	}
	if c.BatchMaxEntries < 1 || c.BatchMaxEntries > 10000 {
		errs = append(errs, fmt.Errorf("telemetry: plugin configuration: batchMaxEntries %d is not in 1..10000", c.BatchMaxEntries))
	}
	var err error
	if c.batchMaxTime, err = time.ParseDuration(c.BatchMaxTime); err != nil || c.batchMaxTime < 10*time.Millisecond {
		errs = append(errs, fmt.Errorf("telemetry: plugin configuration: batchMaxTime %q must be a duration of at least 10ms", c.BatchMaxTime))
	}
	if c.reportTimeout, err = time.ParseDuration(c.ReportTimeout); err != nil || c.reportTimeout <= 0 {
		errs = append(errs, fmt.Errorf("telemetry: plugin configuration: reportTimeout %q is not a positive duration", c.ReportTimeout))
	}
	return c, errors.Join(errs...)
}
