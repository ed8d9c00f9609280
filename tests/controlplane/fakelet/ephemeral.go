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

// ephemeralReporter reports the ephemeral containers of the node's Pods as a
// kubelet does (pkg/kubelet/kuberuntime: SyncPod starts each ephemeral container
// that has no runtime status yet, on every sync, until it starts):
//   - an image that cannot be pulled: ErrImagePull, then ImagePullBackOff. An
//     image cannot be pulled when its registry host is under the reserved
//     .invalid domain (e.g. registry.invalid/tool:1): a real node fails its name
//     lookup;
//   - a target container that is not running: CreateContainerConfigError when
//     the runtime has no container of it (never created), CreateContainerError
//     with containerd's refusal when it has an exited one (see ephemeral_state.go);
//     retried whenever the Pod changes, so it starts once the target runs;
//   - a Pod that is being deleted starts nothing new: the kubelet's default
//     waiting state (PodInitializing, or ContainerCreating without init
//     containers); a Pod that has finished gets no status at all (its pod worker
//     is done);
//   - else running. A process that ends by itself (a command, or a shell
//     without stdin) terminates with its exit code after writing its output to
//     the container's log file; an interactive shell ends when its attach
//     session exits, or is killed when the Pod is deleted (attach.go).
//
// It only ever writes status.ephemeralContainerStatuses.
type ephemeralReporter struct {
	client  kubernetes.Interface
	lister  corelisters.PodLister
	queue   workqueue.TypedRateLimitingInterface[string]
	logsDir string
}

func newEphemeralReporter(client kubernetes.Interface, pods coreinformers.PodInformer, logsDir string) (*ephemeralReporter, error) {
	e := &ephemeralReporter{
		client:  client,
		lister:  pods.Lister(),
		logsDir: logsDir,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "ephemeral-containers"}),
	}
	enqueue := func(obj any) {
		if pod, ok := obj.(*v1.Pod); ok && watchSyncs(pod) {
			e.queue.Add(pod.Namespace + "/" + pod.Name)
		}
	}
	_, err := pods.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	})
	return e, err
}

// watchSyncs tells whether a change of the Pod calls for a sync: a container to
// report, or a start to try again. A failed pull is not: its back-off is
// scheduled by sync (ImagePullBackOff comes after it, not at the next change).
func watchSyncs(pod *v1.Pod) bool {
	return slices.ContainsFunc(pendingEphemeral(pod), func(c v1.EphemeralContainer) bool {
		i := slices.IndexFunc(pod.Status.EphemeralContainerStatuses, func(s v1.ContainerStatus) bool { return s.Name == c.Name })
		if i < 0 {
			return true
		}
		w := pod.Status.EphemeralContainerStatuses[i].State.Waiting
		return w == nil || w.Reason != "ErrImagePull" || pod.DeletionTimestamp != nil
	})
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
	var started []v1.EphemeralContainer
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
		backOff, started = false, nil
		changed := false
		for _, c := range pending {
			i := slices.IndexFunc(statuses, func(s v1.ContainerStatus) bool { return s.Name == c.Name })
			if i < 0 {
				statuses = append(statuses, v1.ContainerStatus{Name: c.Name, Image: c.Image})
				i = len(statuses) - 1
			} else if sameState(statuses[i], ephemeralStatus(pod, c, statuses[i], now)) {
				continue // Still refused for the same reason: nothing to write.
			}
			statuses[i] = ephemeralStatus(pod, c, statuses[i], now)
			changed = true
			backOff = backOff || statuses[i].State.Waiting != nil && statuses[i].State.Waiting.Reason == "ErrImagePull"
			if statuses[i].State.Running != nil {
				if ended, ok := e.endsAtOnce(namespace, name, c, statuses[i]); ok {
					statuses[i] = ended
				} else {
					started = append(started, c)
				}
			}
		}
		if !changed {
			return nil
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
	if err == nil {
		for _, c := range started {
			e.runProcess(namespace, name, c)
		}
	}
	if err == nil && backOff {
		// As the kubelet's image back-off: the next report says ImagePullBackOff.
		e.queue.AddAfter(key, 2*time.Second)
	}
	return err
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
