package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

const (
	kubeletVersion       = "v1.37.2"
	leaseNamespace       = "kube-node-lease"
	leaseDuration        = 40 // seconds, the kubelet's default
	leaseRenewInterval   = 10 * time.Second
	statusUpdateInterval = 30 * time.Second
)

// nodeAgent registers the Node and keeps it alive the way a kubelet does:
// Lease renewals plus a periodic status heartbeat with Ready=True.
type nodeAgent struct {
	client kubernetes.Interface
	name   string
	ip     string
	port   int32
	bootID string
}

func newNodeAgent(client kubernetes.Interface, name, ip string, port int32) *nodeAgent {
	return &nodeAgent{client: client, name: name, ip: ip, port: port, bootID: string(uuid.NewUUID())}
}

func (n *nodeAgent) labels() map[string]string {
	return map[string]string{
		"kubernetes.io/hostname":  n.name,
		"kubernetes.io/os":        "linux",
		"kubernetes.io/arch":      "amd64",
		"beta.kubernetes.io/os":   "linux",
		"beta.kubernetes.io/arch": "amd64",
	}
}

// register creates the Node, or takes over an existing one, then posts its
// status and Lease.
func (n *nodeAgent) register(ctx context.Context) error {
	nodes := n.client.CoreV1().Nodes()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := nodes.Get(ctx, n.name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			node = &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.name, Labels: n.labels()}}
			n.setStatus(&node.Status, time.Now())
			_, err = nodes.Create(ctx, node, metav1.CreateOptions{})
			if err == nil {
				log.Printf("node %q created", n.name)
			}
			return err
		} else if err != nil {
			return err
		}
		if node.Labels == nil {
			node.Labels = map[string]string{}
		}
		for k, v := range n.labels() {
			node.Labels[k] = v
		}
		node.Spec.Unschedulable = false
		if _, err = nodes.Update(ctx, node, metav1.UpdateOptions{}); err == nil {
			log.Printf("node %q already existed, taken over", n.name)
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := n.postStatus(ctx); err != nil {
		return err
	}
	return n.renewLease(ctx)
}

// run renews the Lease every 10s and posts the status every 30s until ctx ends.
func (n *nodeAgent) run(ctx context.Context) {
	leaseTicker := time.NewTicker(leaseRenewInterval)
	defer leaseTicker.Stop()
	statusTicker := time.NewTicker(statusUpdateInterval)
	defer statusTicker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-leaseTicker.C:
			if err := n.renewLease(ctx); err != nil && ctx.Err() == nil {
				log.Printf("renewing lease of node %q: %v", n.name, err)
			}
		case <-statusTicker.C:
			err := n.postStatus(ctx)
			if apierrors.IsNotFound(err) {
				log.Printf("node %q was deleted, registering it again", n.name)
				err = n.register(ctx)
			}
			if err != nil && ctx.Err() == nil {
				log.Printf("updating status of node %q: %v", n.name, err)
			}
		}
	}
}

// postStatus writes the node status with fresh condition heartbeats.
func (n *nodeAgent) postStatus(ctx context.Context) error {
	nodes := n.client.CoreV1().Nodes()
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := nodes.Get(ctx, n.name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		n.setStatus(&node.Status, time.Now())
		_, err = nodes.UpdateStatus(ctx, node, metav1.UpdateOptions{})
		return err
	})
}

func (n *nodeAgent) setStatus(status *v1.NodeStatus, now time.Time) {
	resources := v1.ResourceList{
		v1.ResourceCPU:              resource.MustParse("4"),
		v1.ResourceMemory:           resource.MustParse("8Gi"),
		v1.ResourcePods:             resource.MustParse("110"),
		v1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	status.Capacity = resources
	status.Allocatable = resources.DeepCopy()
	status.Phase = ""
	status.Addresses = []v1.NodeAddress{
		{Type: v1.NodeInternalIP, Address: n.ip},
		{Type: v1.NodeHostName, Address: n.name},
	}
	status.DaemonEndpoints = v1.NodeDaemonEndpoints{KubeletEndpoint: v1.DaemonEndpoint{Port: n.port}}
	status.NodeInfo = v1.NodeSystemInfo{
		MachineID:               stableID("machine", n.name),
		SystemUUID:              stableID("system", n.name),
		BootID:                  n.bootID,
		KernelVersion:           "6.1.0-fakelet",
		OSImage:                 "Fakelet Linux",
		ContainerRuntimeVersion: "fakelet://0.1",
		KubeletVersion:          kubeletVersion,
		OperatingSystem:         "linux",
		Architecture:            "amd64",
	}
	for _, c := range []struct {
		typ             v1.NodeConditionType
		status          v1.ConditionStatus
		reason, message string
	}{
		{v1.NodeMemoryPressure, v1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
		{v1.NodeDiskPressure, v1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
		{v1.NodePIDPressure, v1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
		{v1.NodeReady, v1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"},
	} {
		setCondition(status, v1.NodeCondition{
			Type: c.typ, Status: c.status, Reason: c.reason, Message: c.message,
			LastHeartbeatTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now),
		})
	}
}

// setCondition replaces or adds a condition, keeping its transition time
// when its status does not change.
func setCondition(status *v1.NodeStatus, cond v1.NodeCondition) {
	for i := range status.Conditions {
		if status.Conditions[i].Type == cond.Type {
			if status.Conditions[i].Status == cond.Status {
				cond.LastTransitionTime = status.Conditions[i].LastTransitionTime
			}
			status.Conditions[i] = cond
			return
		}
	}
	status.Conditions = append(status.Conditions, cond)
}

// renewLease creates or renews the node's Lease in kube-node-lease.
func (n *nodeAgent) renewLease(ctx context.Context) error {
	leases := n.client.CoordinationV1().Leases(leaseNamespace)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		now := metav1.NewMicroTime(time.Now())
		lease, err := leases.Get(ctx, n.name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			node, err := n.client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			lease = &coordinationv1.Lease{
				ObjectMeta: metav1.ObjectMeta{
					Name:      n.name,
					Namespace: leaseNamespace,
					OwnerReferences: []metav1.OwnerReference{{
						APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID,
					}},
				},
				Spec: coordinationv1.LeaseSpec{
					HolderIdentity:       &n.name,
					LeaseDurationSeconds: new(int32(leaseDuration)),
					RenewTime:            &now,
				},
			}
			_, err = leases.Create(ctx, lease, metav1.CreateOptions{})
			return err
		} else if err != nil {
			return err
		}
		lease.Spec.HolderIdentity = &n.name
		lease.Spec.LeaseDurationSeconds = new(int32(leaseDuration))
		lease.Spec.RenewTime = &now
		_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
		return err
	})
}

// stableID derives a 32-hex-digit identifier from the node name.
func stableID(kind, name string) string {
	sum := sha256.Sum256([]byte("fakelet/" + kind + "/" + name))
	return hex.EncodeToString(sum[:16])
}
