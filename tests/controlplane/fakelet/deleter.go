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
// Terminating forever. It stops no containers: fakelet runs none.
type podDeleter struct {
	client kubernetes.Interface
	queue  workqueue.TypedRateLimitingInterface[podRef]
}

type podRef struct {
	namespace, name string
	uid             string
}

func newPodDeleter(client kubernetes.Interface, pods coreinformers.PodInformer) (*podDeleter, error) {
	d := &podDeleter{
		client: client,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[podRef](),
			workqueue.TypedRateLimitingQueueConfig[podRef]{Name: "pod-deletion"}),
	}
	enqueue := func(obj any) {
		if pod, ok := obj.(*v1.Pod); ok && pod.DeletionTimestamp != nil {
			d.queue.Add(podRef{pod.Namespace, pod.Name, string(pod.UID)})
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
