package main

import (
	"context"
	"encoding/json"
	"log"
	"slices"
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

// ephemeralReporter reports every ephemeral container of the node's Pods as
// running, as a kubelet does once it has started one. It only ever writes
// status.ephemeralContainerStatuses.
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
		if pod, ok := obj.(*v1.Pod); ok && len(missingEphemeral(pod)) > 0 {
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
	if pod, err := e.lister.Pods(namespace).Get(name); err != nil || len(missingEphemeral(pod)) == 0 {
		return nil // Gone, or already reported.
	}
	pods := e.client.CoreV1().Pods(namespace)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pod, err := pods.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		missing := missingEphemeral(pod)
		if len(missing) == 0 {
			return nil
		}
		now := metav1.NewTime(time.Now())
		statuses := slices.Clone(pod.Status.EphemeralContainerStatuses)
		for _, c := range missing {
			statuses = append(statuses, v1.ContainerStatus{
				Name:         c.Name,
				Image:        c.Image,
				ImageID:      "fakelet://" + c.Image,
				ContainerID:  "fakelet://" + pod.Namespace + "-" + pod.Name + "-" + c.Name,
				Ready:        false,
				RestartCount: 0,
				Started:      new(true),
				State:        v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: now}},
			})
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
		for _, c := range missing {
			log.Printf("ephemeral container %s/%s/%s reported running", namespace, name, c.Name)
		}
		return nil
	})
}

// missingEphemeral lists the ephemeral containers that have no status yet.
func missingEphemeral(pod *v1.Pod) []v1.EphemeralContainer {
	var missing []v1.EphemeralContainer
	for _, c := range pod.Spec.EphemeralContainers {
		if !slices.ContainsFunc(pod.Status.EphemeralContainerStatuses, func(s v1.ContainerStatus) bool { return s.Name == c.Name }) {
			missing = append(missing, c)
		}
	}
	return missing
}
