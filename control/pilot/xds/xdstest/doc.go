// Package xdstest is a simulated proxy for tests and benchmarks of the ADS
// server: a real ADS client (proxy/xdsclient) that subscribes like Envoy
// does (EDS for the EDS clusters it got, RDS for the route names and ECDS
// for the filter names its listeners reference), keeps what it accepted,
// and can be told to reject (NACK) updates.
package xdstest
