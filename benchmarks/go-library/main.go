// Command psa-bench evaluates every Pod of a file with the upstream Pod Security
// Admission library, for benchmarks/go_library.py: the same work as an offline
// `kubectl podsec check --level restricted -f FILE`, done by the Go library.
//
//	psa-bench FILE
//
// FILE is read as kubectl reads it (k8s.io/apimachinery's YAMLOrJSONDecoder): a
// YAML multi-document stream (each document turned into JSON by
// sigs.k8s.io/yaml), or a stream of JSON objects. Objects with "items" (a List,
// PodList, ...) are flattened, as kubectl's resource builder does; objects of
// other kinds are skipped. Each Pod gets the defaults kube-apiserver gives a v1
// Pod while decoding it, before admission (k8s.io/kubernetes/pkg/apis/core/v1:
// for example hostPort = containerPort on the host network, emptyDir for a
// volume without a source), is evaluated with policy.NewEvaluator(
// policy.DefaultChecks(), nil) at restricted:latest, and one JSON line per Pod
// is written to stdout, in file order:
//
//	{"namespace": "ns", "name": "p", "allowed": false,
//	 "forbidden": [{"reason": "host namespaces", "detail": "hostNetwork=true"}, ...]}
//
// A Pod that cannot be decoded gets a line with "error" set; a file that cannot
// be read or parsed stops the run with exit status 1.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/yaml"
	corev1defaults "k8s.io/kubernetes/pkg/apis/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	sigsjson "sigs.k8s.io/json"
)

type forbidden struct {
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

type verdict struct {
	Namespace string      `json:"namespace"`
	Name      string      `json:"name"`
	Allowed   bool        `json:"allowed"`
	Forbidden []forbidden `json:"forbidden"`
	Error     string      `json:"error,omitempty"`
}

// header is what decides how an object is handled: its kind, and the items of a list.
type header struct {
	Kind  string            `json:"kind"`
	Items []json.RawMessage `json:"items"`
}

type bench struct {
	evaluator policy.Evaluator
	level     api.LevelVersion
	out       *json.Encoder
}

func (b *bench) object(raw json.RawMessage) error {
	var h header
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil // not an object (a bare scalar or list): kubectl would reject it, nothing to evaluate
	}
	if h.Items != nil {
		for _, item := range h.Items {
			if err := b.object(item); err != nil {
				return err
			}
		}
		return nil
	}
	if h.Kind != "Pod" {
		return nil
	}
	return b.out.Encode(b.pod(raw))
}

func (b *bench) pod(raw json.RawMessage) verdict {
	// Case-sensitive like the API server's decoder, so "HostNetwork" is not hostNetwork.
	var pod corev1.Pod
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(raw, &pod); err != nil {
		return verdict{Error: err.Error(), Forbidden: []forbidden{}}
	}
	// What the API server's decoder does before Pod Security sees the pod.
	corev1defaults.SetObjectDefaults_Pod(&pod)
	agg := policy.AggregateCheckResults(b.evaluator.EvaluatePod(b.level, &pod.ObjectMeta, &pod.Spec))
	out := verdict{Namespace: pod.Namespace, Name: pod.Name, Allowed: agg.Allowed, Forbidden: []forbidden{}}
	for i, reason := range agg.ForbiddenReasons {
		out.Forbidden = append(out.Forbidden, forbidden{Reason: reason, Detail: agg.ForbiddenDetails[i]})
	}
	return out
}

func run(path string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return err
	}
	writer := bufio.NewWriterSize(stdout, 1<<20)
	b := &bench{
		evaluator: evaluator,
		level:     api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()},
		out:       json.NewEncoder(writer),
	}
	decoder := yaml.NewYAMLOrJSONDecoder(bufio.NewReaderSize(f, 1<<20), 4096)
	for doc := 0; ; doc++ {
		var raw json.RawMessage
		err := decoder.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return writer.Flush()
		}
		if err != nil {
			return fmt.Errorf("%s: document %d: %w", path, doc, err)
		}
		if len(raw) == 0 || string(raw) == "null" { // an empty document
			continue
		}
		if err := b.object(raw); err != nil {
			return err
		}
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: psa-bench FILE")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "psa-bench:", err)
		os.Exit(1)
	}
}
