package main

import (
	"context"
	"log"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// podDeleter finishes the graceful deletion of the node's Pods, as a kubelet does once their
// containers have stopped: a Pod with a deletionTimestamp is deleted with grace period 0 (and
// its UID as precondition). Without it, deleted Pods and their namespaces would stay
// Terminating forever.
//
// It honours the grace period as a kubelet does: the containers get SIGTERM and the Pod stays
// Terminating until they stop, at the latest when the grace period ends (the deletionTimestamp
// the API server set). fakelet runs no containers, so it says how long they take to stop: they
// stop on SIGTERM within stopDelay, unless the Pod is annotated ignoresSigterm (a shell as PID 1
// running `until …; do sleep 2; done` ignores SIGTERM), when they are killed at the end of the
// grace period. A grace period of 0 deletes at once.
const (
	stopDelay      = 2 * time.Second
	ignoresSigterm = "fakelet.initdoctor.dev/ignores-sigterm"
)

type podDeleter struct {
	client kubernetes.Interface
	queue  workqueue.TypedRateLimitingInterface[podRef]
}

type podRef struct {
	namespace, name string
	uid             string
}

// stopsAt is when the Pod's containers have stopped: the end of its grace period, or sooner
// when they stop on SIGTERM.
func stopsAt(pod *v1.Pod) time.Time {
	deadline := pod.DeletionTimestamp.Time
	if pod.Annotations[ignoresSigterm] == "true" {
		return deadline
	}
	asked := deadline
	if pod.DeletionGracePeriodSeconds != nil {
		asked = deadline.Add(-time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second)
	}
	if stopped := asked.Add(stopDelay); stopped.Before(deadline) {
		return stopped
	}
	return deadline
}

func newPodDeleter(client kubernetes.Interface, pods coreinformers.PodInformer) (*podDeleter, error) {
	d := &podDeleter{
		client: client,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[podRef](),
			workqueue.TypedRateLimitingQueueConfig[podRef]{Name: "pod-deletion"}),
	}
	enqueue := func(obj any) {
		if pod, ok := obj.(*v1.Pod); ok && pod.DeletionTimestamp != nil {
			d.queue.AddAfter(podRef{pod.Namespace, pod.Name, string(pod.UID)}, time.Until(stopsAt(pod)))
		}
	}
	_, err := pods.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	})
	return d, err
}

func (d *podDeleter) run(ctx context.Context) {
	go func() {
		<-ctx.Done()
		d.queue.ShutDown()
	}()
	for {
		ref, shutdown := d.queue.Get()
		if shutdown {
			return
		}
		if err := d.delete(ctx, ref); err != nil && ctx.Err() == nil {
			log.Printf("finishing deletion of %s/%s: %v (will retry)", ref.namespace, ref.name, err)
			d.queue.AddRateLimited(ref)
		} else {
			d.queue.Forget(ref)
		}
		d.queue.Done(ref)
	}
}

func (d *podDeleter) delete(ctx context.Context, ref podRef) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.stopEphemeral(ctx, ref); err != nil {
		return err
	}
	err := d.client.CoreV1().Pods(ref.namespace).Delete(ctx, ref.name, metav1.DeleteOptions{
		GracePeriodSeconds: new(int64(0)),
		Preconditions:      &metav1.Preconditions{UID: new(types.UID(ref.uid))},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // Gone already, or a new Pod of the same name.
	}
	if err == nil {
		log.Printf("pod %s/%s deleted (containers stopped)", ref.namespace, ref.name)
	}
	return err
}

// stopEphemeral records the end of the Pod's running ephemeral containers, as the kubelet's
// status shows them once killed: a shell stopped by SIGTERM exits 143, one that ignores it is
// killed at the end of the grace period (137). Their attach sessions end with them (attach.go).
func (d *podDeleter) stopEphemeral(ctx context.Context, ref podRef) error {
	pod, err := d.client.CoreV1().Pods(ref.namespace).Get(ctx, ref.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || err == nil && string(pod.UID) != ref.uid {
		return nil
	} else if err != nil {
		return err
	}
	code := 143
	if pod.Annotations[ignoresSigterm] == "true" {
		code = 137
	}
	for _, s := range pod.Status.EphemeralContainerStatuses {
		if s.State.Running == nil {
			continue
		}
		if err := markEphemeralTerminated(ctx, d.client, ref.namespace, ref.name, s.Name, code); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		log.Printf("ephemeral container %s/%s/%s killed with the pod (exit %d)", ref.namespace, ref.name, s.Name, code)
	}
	return nil
}
