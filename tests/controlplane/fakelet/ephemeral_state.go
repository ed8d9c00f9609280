package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The kubelet's start failures (kuberuntime_container.go: ErrCreateContainerConfig,
// ErrCreateContainer) and its default waiting reasons (kubelet_pods.go).
const (
	reasonCreateConfig    = "CreateContainerConfigError"
	reasonCreate          = "CreateContainerError"
	reasonPodInitializing = "PodInitializing"
	reasonCreating        = "ContainerCreating"
)

// pendingEphemeral lists the ephemeral containers whose status is still to be
// reported: none yet; a first failed pull (ErrImagePull) to turn into
// ImagePullBackOff; a start refused because of its target, which the kubelet
// tries again on every sync. A finished Pod has none: the kubelet starts
// nothing there and its pod worker writes no more statuses.
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
		w := pod.Status.EphemeralContainerStatuses[i].State.Waiting
		switch {
		case w == nil:
		case pod.DeletionTimestamp != nil:
			// A deleting Pod's status says the default waiting reason instead.
			if w.Reason != defaultWaiting(pod) {
				pending = append(pending, c)
			}
		case w.Reason == "ErrImagePull", w.Reason == reasonCreate, w.Reason == reasonCreateConfig:
			pending = append(pending, c)
		}
	}
	return pending
}

// defaultWaiting is the kubelet's waiting reason for a container it has no
// runtime status of (convertToAPIContainerStatuses).
func defaultWaiting(pod *v1.Pod) string {
	if len(pod.Spec.InitContainers) > 0 {
		return reasonPodInitializing
	}
	return reasonCreating
}

// ephemeralStatus is the next status of an ephemeral container, in the order of
// the kubelet's startContainer: a Pod being deleted starts nothing (the default
// waiting state); then the image pull (ErrImagePull first, then
// ImagePullBackOff); then the target (getTargetID, then the runtime's check
// that it runs); else running.
func ephemeralStatus(pod *v1.Pod, c v1.EphemeralContainer, old v1.ContainerStatus, now metav1.Time) v1.ContainerStatus {
	status := v1.ContainerStatus{Name: c.Name, Image: c.Image, Ready: false, RestartCount: 0, Started: new(false)}
	if pod.DeletionTimestamp != nil {
		status.State.Waiting = &v1.ContainerStateWaiting{Reason: defaultWaiting(pod)}
		return status
	}
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
	if reason, message, refused := targetRefusal(pod, c); refused {
		status.State.Waiting = &v1.ContainerStateWaiting{Reason: reason, Message: message}
		return status
	}
	status.ContainerID = "fakelet://" + pod.Namespace + "-" + pod.Name + "-" + c.Name
	status.Started = new(true)
	status.State.Running = &v1.ContainerStateRunning{StartedAt: now}
	return status
}

// targetRefusal is why the kubelet cannot start an ephemeral container that
// shares the processes of targetContainerName, if it cannot:
//   - no container of the target in the runtime (never created: waiting with no
//     earlier instance): getTargetID's "unable to find target container NAME",
//     as CreateContainerConfigError;
//   - an exited one (completed, crashed, waiting to restart): the kubelet passes
//     its ID, and containerd refuses to create a container in the PID namespace
//     of a container that is not running (validateTargetContainer), which the
//     kubelet reports as CreateContainerError with containerd's message.
func targetRefusal(pod *v1.Pod, c v1.EphemeralContainer) (reason, message string, refused bool) {
	name := c.TargetContainerName
	if name == "" {
		return "", "", false
	}
	var target *v1.ContainerStatus
	for _, list := range [][]v1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		if i := slices.IndexFunc(list, func(s v1.ContainerStatus) bool { return s.Name == name }); i >= 0 {
			target = &list[i]
		}
	}
	switch {
	case target != nil && target.State.Running != nil:
		return "", "", false
	case target != nil && (target.State.Terminated != nil || target.LastTerminationState.Terminated != nil):
		return reasonCreate, fmt.Sprintf("failed to generate container %q spec: invalid target container: container %q is not running - in state CONTAINER_EXITED",
			runtimeID(nil, pod, c.Name), runtimeID(target, pod, name)), true
	default:
		return reasonCreateConfig, "unable to find target container " + name, true
	}
}

// runtimeID is a container's ID as containerd names it (64 hex digits): the
// one in its status, else one derived from the Pod and the container's name.
func runtimeID(status *v1.ContainerStatus, pod *v1.Pod, name string) string {
	if status != nil {
		// The latest instance: the current one, else the one that last ended.
		ids := []string{status.ContainerID}
		if t := status.State.Terminated; t != nil {
			ids = append(ids, t.ContainerID)
		}
		if t := status.LastTerminationState.Terminated; t != nil {
			ids = append(ids, t.ContainerID)
		}
		for _, full := range ids {
			if _, id, ok := strings.Cut(full, "://"); ok && id != "" {
				return id
			}
		}
	}
	sum := sha256.Sum256([]byte(string(pod.UID) + "/" + name))
	return hex.EncodeToString(sum[:])
}

// sameState tells whether two statuses say the same thing (a refusal repeated
// on the next sync is not written again).
func sameState(a, b v1.ContainerStatus) bool {
	switch {
	case a.State.Waiting != nil && b.State.Waiting != nil:
		return *a.State.Waiting == *b.State.Waiting
	default:
		return false
	}
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

// maxRun bounds how long a fake process runs (`sleep N`).
const maxRun = time.Hour

// oneShot is what an ephemeral container's process does when it ends by itself:
// its output, exit code and how long it runs. An interactive shell (a shell
// with stdin) does not: it waits for its attach session. A shell without stdin
// reads an empty input and exits 0 at once. Any other command is run by the
// fake shell's interpreter (eval), `sh -c SCRIPT` statement by statement (`;`
// or newline apart), with `sleep N` taking N seconds; the image's default
// command is taken to be `sh` (busybox).
func oneShot(c v1.EphemeralContainer, name string) (output string, code int, lasts time.Duration, ok bool) {
	argv := slices.Concat(c.Command, c.Args)
	if len(argv) == 0 {
		argv = []string{"sh"}
	}
	if isShell(argv) {
		return "", 0, 0, !c.Stdin
	}
	script := strings.Join(argv, " ")
	if len(argv) == 3 && argv[1] == "-c" {
		script = argv[2]
	}
	var out strings.Builder
	for _, statement := range strings.FieldsFunc(script, func(r rune) bool { return r == ';' || r == '\n' }) {
		fields := strings.Fields(statement)
		if len(fields) == 2 && fields[0] == "sleep" {
			if n, err := strconv.Atoi(fields[1]); err == nil {
				lasts = min(lasts+time.Duration(n)*time.Second, maxRun)
			}
			continue
		}
		result, exit := eval(name, strings.TrimSpace(statement))
		if exit >= 0 {
			return out.String(), exit, lasts, true
		}
		if result != "" {
			out.WriteString(result + "\n")
		}
	}
	return out.String(), 0, lasts, true
}

// endsAtOnce is the status of a container whose process exits as soon as it
// starts (no `sleep`): terminated already, its output in its log file. The
// kubelet writes the state the runtime has at its next sync, and by then such a
// process has exited: it is never seen running.
func (e *ephemeralReporter) endsAtOnce(namespace, pod string, c v1.EphemeralContainer, running v1.ContainerStatus) (v1.ContainerStatus, bool) {
	output, code, lasts, ok := oneShot(c, namespace+"/"+pod)
	if !ok || lasts > 0 {
		return running, false
	}
	e.writeLog(namespace, pod, c.Name, output)
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	started := running.State.Running.StartedAt
	running.State = v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
		ExitCode: int32(code), Reason: reason, StartedAt: started, FinishedAt: started, ContainerID: running.ContainerID}}
	running.Started = new(false)
	log.Printf("ephemeral container %s/%s/%s: process exited at once with code %d", namespace, pod, c.Name, code)
	return running, true
}

// writeLog writes a container's output where the fakelet serves its log from.
func (e *ephemeralReporter) writeLog(namespace, pod, container, output string) {
	path := filepath.Join(e.logsDir, namespace, pod, container)
	err := os.MkdirAll(filepath.Dir(path), 0o755)
	if err == nil {
		err = os.WriteFile(path, []byte(output), 0o644)
	}
	if err != nil {
		log.Printf("ephemeral container %s/%s/%s: writing its log: %v", namespace, pod, container, err)
	}
}

// runProcess runs the process of an ephemeral container that has just started
// and ends by itself after a while (`sleep N`): its output goes to the
// container's log file (as the runtime writes it), then, once it has run its
// course, the container terminates with its exit code.
func (e *ephemeralReporter) runProcess(namespace, pod string, c v1.EphemeralContainer) {
	output, code, lasts, ok := oneShot(c, namespace+"/"+pod)
	if !ok {
		return
	}
	e.writeLog(namespace, pod, c.Name, output)
	time.AfterFunc(lasts, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := markEphemeralTerminated(ctx, e.client, namespace, pod, c.Name, code); err != nil {
			log.Printf("ephemeral container %s/%s/%s: recording its exit: %v", namespace, pod, c.Name, err)
		} else {
			log.Printf("ephemeral container %s/%s/%s: process exited with code %d", namespace, pod, c.Name, code)
		}
	})
}
