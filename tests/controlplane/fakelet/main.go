// Command fakelet is a kubelet stand-in for tests against a real kube-apiserver.
//
// It registers a Node and keeps it Ready (Lease renewals and a Ready heartbeat),
// serves the kubelet API paths the apiserver proxies to (container logs read
// from files, attach/exec to a tiny fake shell), and reports ephemeral
// containers as running. It never runs containers and never writes any Pod
// status field other than ephemeralContainerStatuses.
//
// The log of container C of pod P in namespace N is the file <logs-dir>/N/P/C,
// and its previous instance is <logs-dir>/N/P/C.previous.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

type config struct {
	kubeconfig   string
	nodeName     string
	address      string
	port         int
	certFile     string
	keyFile      string
	clientCAFile string
	logsDir      string
}

func main() {
	var cfg config
	flag.StringVar(&cfg.kubeconfig, "kubeconfig", "", "kubeconfig with an identity allowed to manage Nodes, Leases and Pods (required)")
	flag.StringVar(&cfg.nodeName, "node-name", "fake-node", "name of the Node to register")
	flag.StringVar(&cfg.address, "address", "127.0.0.1", "address to serve the kubelet API on")
	flag.IntVar(&cfg.port, "port", 30250, "port to serve the kubelet API on")
	flag.StringVar(&cfg.certFile, "tls-cert-file", "", "serving certificate (required)")
	flag.StringVar(&cfg.keyFile, "tls-private-key-file", "", "serving certificate key (required)")
	flag.StringVar(&cfg.clientCAFile, "client-ca-file", "", "CA that signs the apiserver's kubelet client certificate (required)")
	flag.StringVar(&cfg.logsDir, "logs-dir", "", "directory holding container logs as <ns>/<pod>/<container>[.previous] (required)")
	flag.Parse()

	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("fakelet: ")
	if err := run(cfg); err != nil {
		log.Printf("fatal: %v", err)
		os.Exit(1)
	}
	log.Printf("stopped")
}

func run(cfg config) error {
	for name, value := range map[string]string{
		"kubeconfig": cfg.kubeconfig, "tls-cert-file": cfg.certFile, "tls-private-key-file": cfg.keyFile,
		"client-ca-file": cfg.clientCAFile, "logs-dir": cfg.logsDir, "node-name": cfg.nodeName,
	} {
		if value == "" {
			return fmt.Errorf("--%s is required", name)
		}
	}
	if cfg.port < 1 || cfg.port > 65535 {
		return fmt.Errorf("--port %d is out of range", cfg.port)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	restConfig, err := clientcmd.BuildConfigFromFlags("", cfg.kubeconfig)
	if err != nil {
		return fmt.Errorf("loading kubeconfig: %w", err)
	}
	restConfig.QPS, restConfig.Burst = 100, 200
	restConfig.UserAgent = "fakelet/" + kubeletVersion
	client, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return err
	}

	tlsConfig, err := serverTLSConfig(cfg)
	if err != nil {
		return err
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(cfg.address, strconv.Itoa(cfg.port)))
	if err != nil {
		return err
	}

	node := newNodeAgent(client, cfg.nodeName, nodeIP(cfg.address), int32(cfg.port))
	// Like a kubelet, wait for the apiserver rather than give up.
	for err := node.register(ctx); err != nil; err = node.register(ctx) {
		log.Printf("registering node %q: %v (retrying)", cfg.nodeName, err)
		select {
		case <-ctx.Done():
			listener.Close()
			return nil
		case <-time.After(2 * time.Second):
		}
	}

	// Every Pod bound to this node, kept up to date by a watch.
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", cfg.nodeName).String()
		}))
	podInformer := factory.Core().V1().Pods()
	pods := &podSource{client: client, lister: podInformer.Lister()}
	reporter, err := newEphemeralReporter(client, podInformer, cfg.logsDir)
	if err != nil {
		listener.Close()
		return err
	}
	deleter, err := newPodDeleter(client, podInformer)
	if err != nil {
		listener.Close()
		return err
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), podInformer.Informer().HasSynced) {
		listener.Close()
		return errors.New("pod cache did not sync")
	}

	srv := &http.Server{
		Handler:           newHandler(pods, cfg.logsDir),
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          log.New(os.Stderr, "fakelet: http: ", log.LstdFlags|log.Lmicroseconds),
		// Like the kubelet: HTTP/1.1 only, so that upgrades (attach/exec) work.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.ServeTLS(listener, "", "") }()
	go node.run(ctx)
	go reporter.run(ctx)
	go deleter.run(ctx)
	log.Printf("node %q serving the kubelet API on https://%s, logs from %s", cfg.nodeName, listener.Addr(), cfg.logsDir)

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("serving: %w", err)
	}
	log.Printf("signal received, shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	return nil
}

func serverTLSConfig(cfg config) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(cfg.certFile, cfg.keyFile)
	if err != nil {
		return nil, fmt.Errorf("loading serving certificate: %w", err)
	}
	caPEM, err := os.ReadFile(cfg.clientCAFile)
	if err != nil {
		return nil, err
	}
	clientCAs := x509.NewCertPool()
	if !clientCAs.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate found in %s", cfg.clientCAFile)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    clientCAs,
		// A certificate that is presented must verify; requireClientCert rejects
		// requests without one everywhere but /healthz.
		ClientAuth: tls.VerifyClientCertIfGiven,
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
	}, nil
}

// nodeIP is the InternalIP to advertise for a serving address.
func nodeIP(address string) string {
	ip := net.ParseIP(address)
	if ip == nil || ip.IsUnspecified() {
		return "127.0.0.1"
	}
	return ip.String()
}
