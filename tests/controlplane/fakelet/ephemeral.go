package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"slices"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/client-go/util/workqueue"
)

// ephemeralReporter reports the ephemeral containers of the node's Pods as a
// kubelet does: running once "started", or waiting on a failed image pull
// (ErrImagePull, then ImagePullBackOff) when the image cannot be pulled, and
// none at all in a Pod that has finished (the kubelet starts no container
// there). An image cannot be pulled when its registry host is under the
// reserved .invalid domain (e.g. registry.invalid/tool:1): a real node fails
// its name lookup. The attach handler marks a container terminated when its
// shell exits. It only ever writes status.ephemeralContainerStatuses.
type ephemeralReporter struct {
	client kubernetes.Interface
	lister corelisters.PodLister
	queue  workqueue.TypedRateLimitingInterface[string]
}

func newEphemeralReporter(client kubernetes.Interface, pods coreinformers.PodInformer) (*ephemeralReporter, error) {
	e := &ephemeralReporter{
		client: client,
		lister: pods.Lister(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "ephemeral-containers"}),
	}
	enqueue := func(obj any) {
		if pod, ok := obj.(*v1.Pod); ok && unreported(pod) {
			e.queue.Add(pod.Namespace + "/" + pod.Name)
		}
	}
	_, err := pods.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	})
	return e, err
}

func (e *ephemeralReporter) run(ctx context.Context) {
	go func() {
		<-ctx.Done()
		e.queue.ShutDown()
	}()
	for {
		key, shutdown := e.queue.Get()
		if shutdown {
			return
		}
		if err := e.sync(ctx, key); err != nil && ctx.Err() == nil {
			log.Printf("ephemeral containers of %s: %v (will retry)", key, err)
			e.queue.AddRateLimited(key)
		} else {
			e.queue.Forget(key)
		}
		e.queue.Done(key)
	}
}

func (e *ephemeralReporter) sync(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	if pod, err := e.lister.Pods(namespace).Get(name); err != nil || len(pendingEphemeral(pod)) == 0 {
		return nil // Gone, or already reported.
	}
	backOff := false
	pods := e.client.CoreV1().Pods(namespace)
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pod, err := pods.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		pending := pendingEphemeral(pod)
		if len(pending) == 0 {
			return nil
		}
		now := metav1.NewTime(time.Now())
		statuses := slices.Clone(pod.Status.EphemeralContainerStatuses)
		backOff = false
		for _, c := range pending {
			i := slices.IndexFunc(statuses, func(s v1.ContainerStatus) bool { return s.Name == c.Name })
			if i < 0 {
				statuses = append(statuses, v1.ContainerStatus{Name: c.Name, Image: c.Image})
				i = len(statuses) - 1
			}
			statuses[i] = ephemeralStatus(pod, c, statuses[i], now)
			backOff = backOff || statuses[i].State.Waiting != nil && statuses[i].State.Waiting.Reason == "ErrImagePull"
		}
		// A JSON merge patch replaces the whole list and nothing else; the
		// resourceVersion makes it fail with a conflict if the Pod changed.
		patch, err := json.Marshal(map[string]any{
			"metadata": map[string]any{"resourceVersion": pod.ResourceVersion},
			"status":   map[string]any{"ephemeralContainerStatuses": statuses},
		})
		if err != nil {
			return err
		}
		if _, err := pods.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "fakelet"}, "status"); err != nil {
			return err
		}
		for _, c := range pending {
			log.Printf("ephemeral container %s/%s/%s reported", namespace, name, c.Name)
		}
		return nil
	})
	if err == nil && backOff {
		// As the kubelet's image back-off: the next report says ImagePullBackOff.
		e.queue.AddAfter(key, 2*time.Second)
	}
	return err
}

// unreported tells whether a running Pod has an ephemeral container without a
// status (a failed pull's back-off is scheduled by sync, not by the watch).
func unreported(pod *v1.Pod) bool {
	return slices.ContainsFunc(pendingEphemeral(pod), func(c v1.EphemeralContainer) bool {
		return !slices.ContainsFunc(pod.Status.EphemeralContainerStatuses, func(s v1.ContainerStatus) bool { return s.Name == c.Name })
	})
}

// pendingEphemeral lists the ephemeral containers whose status is still to be
// reported: none yet, or a first failed pull (ErrImagePull) to turn into
// ImagePullBackOff. A finished Pod has none: the kubelet starts nothing there.
func pendingEphemeral(pod *v1.Pod) []v1.EphemeralContainer {
	if pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed {
		return nil
	}
	var pending []v1.EphemeralContainer
	for _, c := range pod.Spec.EphemeralContainers {
		i := slices.IndexFunc(pod.Status.EphemeralContainerStatuses, func(s v1.ContainerStatus) bool { return s.Name == c.Name })
		if i < 0 {
			pending = append(pending, c)
			continue
		}
		if w := pod.Status.EphemeralContainerStatuses[i].State.Waiting; w != nil && w.Reason == "ErrImagePull" {
			pending = append(pending, c)
		}
	}
	return pending
}

// ephemeralStatus is the next status of an ephemeral container: running, or
// waiting on its image (ErrImagePull first, then ImagePullBackOff).
func ephemeralStatus(pod *v1.Pod, c v1.EphemeralContainer, old v1.ContainerStatus, now metav1.Time) v1.ContainerStatus {
	status := v1.ContainerStatus{Name: c.Name, Image: c.Image, Ready: false, RestartCount: 0, Started: new(false)}
	if host, ok := unpullable(c.Image); ok {
		if old.State.Waiting != nil && old.State.Waiting.Reason == "ErrImagePull" {
			status.State.Waiting = &v1.ContainerStateWaiting{Reason: "ImagePullBackOff",
				Message: fmt.Sprintf("Back-off pulling image %q", c.Image)}
		} else {
			status.State.Waiting = &v1.ContainerStateWaiting{Reason: "ErrImagePull",
				Message: fmt.Sprintf("failed to pull and unpack image %q: failed to resolve reference %q: dial tcp: lookup %s: no such host", c.Image, c.Image, host)}
		}
		return status
	}
	status.ImageID = "fakelet://" + c.Image
	status.ContainerID = "fakelet://" + pod.Namespace + "-" + pod.Name + "-" + c.Name
	status.Started = new(true)
	status.State.Running = &v1.ContainerStateRunning{StartedAt: now}
	return status
}

// unpullable tells whether an image's registry host is under .invalid.
func unpullable(image string) (string, bool) {
	host, _, found := strings.Cut(image, "/")
	if !found || !strings.ContainsAny(host, ".:") {
		return "", false // Docker Hub short names: always "pulled".
	}
	host, _, _ = strings.Cut(host, ":")
	return host, strings.HasSuffix(host, ".invalid")
}

// markEphemeralTerminated records that an ephemeral container's process ended
// with code, as the kubelet reports a container that has exited.
func markEphemeralTerminated(ctx context.Context, client kubernetes.Interface, namespace, name, container string, code int) error {
	pods := client.CoreV1().Pods(namespace)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pod, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		statuses := slices.Clone(pod.Status.EphemeralContainerStatuses)
		i := slices.IndexFunc(statuses, func(s v1.ContainerStatus) bool { return s.Name == container })
		if i < 0 || statuses[i].State.Running == nil {
			return nil
		}
		reason := "Completed"
		if code != 0 {
			reason = "Error"
		}
		statuses[i].State = v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
			ExitCode: int32(code), Reason: reason, StartedAt: statuses[i].State.Running.StartedAt,
			FinishedAt: metav1.NewTime(time.Now()), ContainerID: statuses[i].ContainerID}}
		statuses[i].Started = new(false)
		patch, err := json.Marshal(map[string]any{
			"metadata": map[string]any{"resourceVersion": pod.ResourceVersion},
			"status":   map[string]any{"ephemeralContainerStatuses": statuses},
		})
		if err != nil {
			return err
		}
		_, err = pods.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "fakelet"}, "status")
		return err
	})
}
