package kube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Election configures leader election on a Lease.
type Election struct {
	Client kubernetes.Interface
	// Namespace and Name of the Lease.
	Namespace, Name string
	// Identity of this replica (e.g. the pod name); unique per replica.
	Identity string
	// LeaseDuration, RenewDeadline and RetryPeriod as in client-go's
	// leaderelection; 15s, 10s and 2s when zero.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// Release gives the lease up when ctx ends, so another replica takes
	// over at once instead of after LeaseDuration.
	Release bool
	Log     *slog.Logger
}

// Elect campaigns for the lease until ctx ends. While this replica leads,
// lead runs with a context cancelled when leadership is lost; after a loss
// it campaigns again. It returns nil when ctx ends.
func Elect(ctx context.Context, e Election, lead func(context.Context)) error {
	if e.Identity == "" || e.Name == "" || e.Namespace == "" || e.Client == nil {
		return errors.New("kube: election needs a client, a lease namespace and name, and an identity")
	}
	if e.LeaseDuration == 0 {
		e.LeaseDuration, e.RenewDeadline, e.RetryPeriod = 15*time.Second, 10*time.Second, 2*time.Second
	}
	log := e.Log
	if log == nil {
		log = slog.Default()
	}
	lock, err := resourcelock.New(resourcelock.LeasesResourceLock, e.Namespace, e.Name,
		e.Client.CoreV1(), e.Client.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: e.Identity})
	if err != nil {
		return fmt.Errorf("kube: lease lock: %w", err)
	}
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   e.LeaseDuration,
		RenewDeadline:   e.RenewDeadline,
		RetryPeriod:     e.RetryPeriod,
		ReleaseOnCancel: e.Release,
		Name:            e.Name,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) {
				log.Info("leading", "lease", e.Namespace+"/"+e.Name, "identity", e.Identity)
				lead(ctx)
			},
			OnStoppedLeading: func() {
				log.Info("stopped leading", "lease", e.Namespace+"/"+e.Name, "identity", e.Identity)
			},
		},
	})
	if err != nil {
		return fmt.Errorf("kube: leader election: %w", err)
	}
	for ctx.Err() == nil {
		le.Run(ctx) // returns when leadership is lost or ctx ends
	}
	return nil
}
