package main

import (
	"context"
	"fmt"
	"log"
	"net/http"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// server serves the kubelet API paths the apiserver proxies to.
type server struct {
	pods    *podSource
	logsDir string
}

func newHandler(pods *podSource, logsDir string) http.Handler {
	s := &server{pods: pods, logsDir: logsDir}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "ok")
	})
	mux.HandleFunc("/containerLogs/{namespace}/{pod}/{container}", s.containerLogs)
	for _, path := range []string{"/attach/{namespace}/{pod}/{container}", "/attach/{namespace}/{pod}/{uid}/{container}"} {
		mux.HandleFunc(path, s.attach)
	}
	for _, path := range []string{"/exec/{namespace}/{pod}/{container}", "/exec/{namespace}/{pod}/{uid}/{container}"} {
		mux.HandleFunc(path, s.exec)
	}
	return requireClientCert(mux)
}

// requireClientCert rejects requests without a verified client certificate,
// except health checks. The TLS layer already refused unverifiable ones.
func requireClientCert(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
			log.Printf("%s %s from %s: rejected, no client certificate", r.Method, r.URL.Path, r.RemoteAddr)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		log.Printf("%s %s from %s (%s)", r.Method, r.URL.RequestURI(), r.RemoteAddr, r.TLS.VerifiedChains[0][0].Subject.CommonName)
		next.ServeHTTP(w, r)
	})
}

// target is the namespace, pod and container named by a request path.
type target struct{ namespace, pod, container string }

func (t target) String() string { return t.namespace + "/" + t.pod + "/" + t.container }

// parseTarget reads the path values, refusing names that could not be
// Kubernetes object names (and so could escape the logs directory).
func parseTarget(r *http.Request) (target, error) {
	t := target{r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")}
	if len(validation.IsDNS1123Label(t.namespace)) > 0 || len(validation.IsDNS1123Subdomain(t.pod)) > 0 ||
		len(validation.IsDNS1123Label(t.container)) > 0 {
		return t, fmt.Errorf("invalid namespace, pod or container name in %q", r.URL.Path)
	}
	return t, nil
}

// podSource looks Pods up in the node's watch cache, falling back to the
// apiserver for a Pod the watch has not delivered yet.
type podSource struct {
	client kubernetes.Interface
	lister corelisters.PodLister
}

func (p *podSource) get(ctx context.Context, namespace, name string) (*v1.Pod, error) {
	if pod, err := p.lister.Pods(namespace).Get(name); err == nil {
		return pod, nil
	}
	return p.client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
}

// hasContainer tells whether the Pod spec has an init, app or ephemeral container of that name.
func hasContainer(pod *v1.Pod, name string) bool {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == name {
			return true
		}
	}
	return false
}

// containerStatus finds a container's status among the init, app and ephemeral ones.
func containerStatus(pod *v1.Pod, name string) *v1.ContainerStatus {
	for _, list := range [][]v1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses, pod.Status.EphemeralContainerStatuses} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}
