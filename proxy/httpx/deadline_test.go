package httpx

import (
	"context"
	"errors"
	"testing"
	"time"
)

type ctxKey struct{}

func TestRouteDeadlineExpiresWithoutDone(t *testing.T) {
	parent := context.WithValue(context.Background(), ctxKey{}, "v")
	ctx, cancel := withRouteDeadline(parent, 20*time.Millisecond)
	defer cancel()
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > 20*time.Millisecond {
		t.Fatalf("deadline %v %v", d, ok)
	}
	if ctx.Value(ctxKey{}) != "v" {
		t.Fatal("value of the parent not visible")
	}
	if err := ctx.Err(); err != nil {
		t.Fatalf("err before the deadline: %v", err)
	}
	time.Sleep(30 * time.Millisecond)
	if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err after the deadline: %v", err)
	}
	cancel() // a cancel after expiry leaves it expired
	if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err after a late cancel: %v", err)
	}
	select {
	case <-ctx.Done():
	default:
		t.Fatal("Done asked after expiry is not closed")
	}
	if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err once Done exists: %v", err)
	}
}

func TestRouteDeadlineDoneClosesAtDeadline(t *testing.T) {
	ctx, cancel := withRouteDeadline(context.Background(), 20*time.Millisecond)
	defer cancel()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done never closed")
	}
	if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
}

func TestRouteDeadlineCancel(t *testing.T) {
	ctx, cancel := withRouteDeadline(context.Background(), time.Hour)
	cancel()
	if err := ctx.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	select {
	case <-ctx.Done():
	default:
		t.Fatal("Done of a cancelled context is open")
	}
	if err := ctx.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("err once Done exists: %v", err)
	}
}

func TestRouteDeadlineFollowsParent(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.Background())
	ctx, cancel := withRouteDeadline(parent, time.Hour)
	defer cancel()
	// Before anyone asked for Done, the parent's cancellation shows in Err.
	cancelParent()
	if err := ctx.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}

	parent, cancelParent = context.WithCancel(context.Background())
	ctx, cancel = withRouteDeadline(parent, time.Hour)
	defer cancel()
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() { close(fired) })
	defer stop()
	cancelParent()
	select {
	case <-fired:
	case <-time.After(5 * time.Second):
		t.Fatal("AfterFunc did not run when the parent was cancelled")
	}
}

func TestRouteDeadlineEarlierParentDeadline(t *testing.T) {
	parent, cancelParent := context.WithTimeout(context.Background(), time.Minute)
	defer cancelParent()
	ctx, cancel := withRouteDeadline(parent, time.Hour)
	defer cancel()
	pd, _ := parent.Deadline()
	if d, _ := ctx.Deadline(); !d.Equal(pd) {
		t.Fatalf("deadline %v, want the parent's %v", d, pd)
	}
}
