
use builtin;
use str;

set edit:completion:arg-completer[kubectl-initdoctor] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kubectl-initdoctor'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kubectl-initdoctor'= {
            cand --kubeconfig 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The name of the kubeconfig context to use'
            cand --cluster 'The name of the kubeconfig cluster to use'
            cand --user 'The name of the kubeconfig user to use'
            cand -n 'The namespace scope for this request (default: the context''s namespace)'
            cand --namespace 'The namespace scope for this request (default: the context''s namespace)'
            cand --request-timeout 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)'
            cand --color 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand explain 'Say which init container blocks each pod, and why'
            cand logs 'Show init container logs in spec order, following the running one'
            cand debug 'Attach an ephemeral debug container to the blocked init container'
            cand preflight 'Say which init containers will block, from manifests, before they are applied'
            cand completion 'Print a shell completion script'
            cand version 'Print the version'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kubectl-initdoctor;explain'= {
            cand -l 'Label selector to filter pods on (e.g. app=web,tier!=db)'
            cand --selector 'Label selector to filter pods on (e.g. app=web,tier!=db)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --cluster-domain 'The cluster''s DNS domain, for resolving the names init containers wait on'
            cand --kubeconfig 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The name of the kubeconfig context to use'
            cand --cluster 'The name of the kubeconfig cluster to use'
            cand --user 'The name of the kubeconfig user to use'
            cand -n 'The namespace scope for this request (default: the context''s namespace)'
            cand --namespace 'The namespace scope for this request (default: the context''s namespace)'
            cand --request-timeout 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)'
            cand --color 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never'
            cand -A 'Look at pods in every namespace'
            cand --all-namespaces 'Look at pods in every namespace'
            cand -w 'Re-render when a pod changes, until it is initialized or interrupted'
            cand --watch 'Re-render when a pod changes, until it is initialized or interrupted'
            cand --exit-code 'Exit 3 when any selected pod is blocked in initialization or not Ready (Completed pods are fine), 0 otherwise; with --init-only, 3 only for pods blocked in initialization'
            cand --details 'With several pods: after the table and the grouped findings, the full view of each pod'
            cand --no-headers 'With several pods: print the table without its header line (as kubectl get)'
            cand --init-only 'Only what blocks initialization: without pod names, select only the pods whose initialization is not complete (not those that are initialized but not Ready); with --watch, end once they are initialized, Ready or not'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kubectl-initdoctor;logs'= {
            cand -l 'Show the pods matching this label selector, each pod''s containers in order, pods interleaved by line'
            cand --selector 'Show the pods matching this label selector, each pod''s containers in order, pods interleaved by line'
            cand -c 'Only this container (init, sidecar or app)'
            cand --container 'Only this container (init, sidecar or app)'
            cand --tail 'Lines of recent log to show per container (-1: all)'
            cand --since 'Only lines newer than this duration (e.g. 5s, 2m, 3h)'
            cand --since-time 'Only lines after this time (RFC 3339, e.g. 2026-01-01T10:00:00Z)'
            cand --prefix 'Prefix each line with its container ([init 2/3 wait-db]); default: on when stdout is not a terminal or several containers are shown (--prefix=false turns it off)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --max-log-requests 'The most log streams open at once (pods read or followed concurrently)'
            cand --kubeconfig 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The name of the kubeconfig context to use'
            cand --cluster 'The name of the kubeconfig cluster to use'
            cand --user 'The name of the kubeconfig user to use'
            cand -n 'The namespace scope for this request (default: the context''s namespace)'
            cand --namespace 'The namespace scope for this request (default: the context''s namespace)'
            cand --request-timeout 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)'
            cand --color 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never'
            cand -f 'Follow the running init container, then the next as it starts, until initialization ends'
            cand --follow 'Follow the running init container, then the next as it starts, until initialization ends'
            cand -p 'Show the previous attempt of each container'
            cand --previous 'Show the previous attempt of each container'
            cand --all-attempts 'Show every attempt the API still has (the previous one, then the current one)'
            cand --app 'After the init containers, show (and with -f follow) the app containers'
            cand --timestamps 'Prefix each line with its timestamp'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kubectl-initdoctor;debug'= {
            cand --target 'The container whose processes the debug container shares (default: the blocked init container)'
            cand --image 'The debug container''s image (its nslookup fails short names on search domains that lack them: --check resolves names fully qualified)'
            cand --image-pull-policy 'The image pull policy of the debug container (default: left to the server)'
            cand --env 'Environment variables to set in the debug container (repeatable)'
            cand --profile 'Security profile of the debug container, as kubectl debug''s; auto: the most capable one the namespace''s Pod Security enforce label admits'
            cand --custom 'A JSON or YAML file holding a partial container spec, merged into the debug container as kubectl''s --custom'
            cand -c 'Name of the debug container (default: debugger-<5 random characters>)'
            cand --container 'Name of the debug container (default: debugger-<5 random characters>)'
            cand --attach 'Attach once the container runs (default: true when stdin is kept open); --attach=false only adds it'
            cand --attach-to 'Attach to an ephemeral container already in the pod instead of adding one'
            cand --reuse 'Reuse a debug container of ours that still runs on the target (default: ask on a terminal, reuse otherwise); --reuse=false adds another'
            cand --copy-to 'Create a copy of the pod with this name, its blocked init container''s command replaced by a wait'
            cand --set-image 'With --copy-to: NAME=IMAGE for any container, init containers included (* for all; repeatable)'
            cand --dry-run 'Print what would be sent instead of sending it: client (nothing leaves), server (the API server checks it, nothing is stored)'
            cand -o 'Output format: with --dry-run the object (yaml or json), with --check the comparison (json)'
            cand --output 'Output format: with --dry-run the object (yaml or json), with --check the comparison (json)'
            cand --timeout 'How long to wait for the debug container (or the copy) to start, and for --check to finish'
            cand --kubeconfig 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The name of the kubeconfig context to use'
            cand --cluster 'The name of the kubeconfig cluster to use'
            cand --user 'The name of the kubeconfig user to use'
            cand -n 'The namespace scope for this request (default: the context''s namespace)'
            cand --namespace 'The namespace scope for this request (default: the context''s namespace)'
            cand --request-timeout 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)'
            cand --color 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never'
            cand -i 'Keep stdin open on the debug container (the default, with -t, unless a command is given)'
            cand --stdin 'Keep stdin open on the debug container (the default, with -t, unless a command is given)'
            cand -t 'Allocate a TTY for the debug container (needs -i)'
            cand --tty 'Allocate a TTY for the debug container (needs -i)'
            cand --force 'Add the debug container even when its target is not running (it cannot start until the target runs again, and an ephemeral container can never be removed); without it, a run without a terminal refuses (exit 8) and a terminal is offered --copy-to first'
            cand --check 'Run the blocked init container''s checks from inside the pod and compare with what the API says (exit 0: it can proceed, 3: it cannot)'
            cand --skip-done-init 'With --copy-to: leave out the init containers that already completed in the original'
            cand --same-node 'With --copy-to: keep the copy on the original''s node'
            cand --replace 'With --copy-to: delete the original pod once the copy exists'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kubectl-initdoctor;preflight'= {
            cand -f 'Manifests: a file, a directory (its .yaml, .yml and .json files), or - for stdin; repeat for several'
            cand --filename 'Manifests: a file, a directory (its .yaml, .yml and .json files), or - for stdin; repeat for several'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --cluster-domain 'The cluster''s DNS domain, for resolving the names init containers wait on'
            cand --kubeconfig 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The name of the kubeconfig context to use'
            cand --cluster 'The name of the kubeconfig cluster to use'
            cand --user 'The name of the kubeconfig user to use'
            cand -n 'The namespace scope for this request (default: the context''s namespace)'
            cand --namespace 'The namespace scope for this request (default: the context''s namespace)'
            cand --request-timeout 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)'
            cand --color 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never'
            cand -R 'Read the directories given with -f and their subdirectories'
            cand --recursive 'Read the directories given with -f and their subdirectories'
            cand --offline 'Check against the manifests alone: read no cluster (the namespace is -n, else default)'
            cand --exit-code 'Exit 3 when an init container will block, 0 otherwise'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kubectl-initdoctor;completion'= {
            cand --kubeconfig 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The name of the kubeconfig context to use'
            cand --cluster 'The name of the kubeconfig cluster to use'
            cand --user 'The name of the kubeconfig user to use'
            cand -n 'The namespace scope for this request (default: the context''s namespace)'
            cand --namespace 'The namespace scope for this request (default: the context''s namespace)'
            cand --request-timeout 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)'
            cand --color 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kubectl-initdoctor;version'= {
            cand --kubeconfig 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The name of the kubeconfig context to use'
            cand --cluster 'The name of the kubeconfig cluster to use'
            cand --user 'The name of the kubeconfig user to use'
            cand -n 'The namespace scope for this request (default: the context''s namespace)'
            cand --namespace 'The namespace scope for this request (default: the context''s namespace)'
            cand --request-timeout 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)'
            cand --color 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kubectl-initdoctor;help'= {
            cand explain 'Say which init container blocks each pod, and why'
            cand logs 'Show init container logs in spec order, following the running one'
            cand debug 'Attach an ephemeral debug container to the blocked init container'
            cand preflight 'Say which init containers will block, from manifests, before they are applied'
            cand completion 'Print a shell completion script'
            cand version 'Print the version'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kubectl-initdoctor;help;explain'= {
        }
        &'kubectl-initdoctor;help;logs'= {
        }
        &'kubectl-initdoctor;help;debug'= {
        }
        &'kubectl-initdoctor;help;preflight'= {
        }
        &'kubectl-initdoctor;help;completion'= {
        }
        &'kubectl-initdoctor;help;version'= {
        }
        &'kubectl-initdoctor;help;help'= {
        }
    ]
    $completions[$command]
}
