// Command psa-oracle evaluates pods with the upstream Pod Security Admission
// library, so the Python engine can be compared with it verdict for verdict.
//
// It reads one JSON request per line on stdin:
//
//	{"level": "restricted", "version": "v1.25", "maxVersion": null, "pod": {...}}
//
// and writes one JSON response per line on stdout, in the same order:
//
//	{"allowed": false, "reason": "...", "detail": "...", "error": ""}
//
// maxVersion ("v1.N" or null) caps the registry like kube-apiserver's emulation
// version. A request that cannot be decoded or parsed gets a response with
// "error" set; the process keeps going.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	sigsjson "sigs.k8s.io/json"
)

type request struct {
	Level      string          `json:"level"`
	Version    string          `json:"version"`
	MaxVersion *string         `json:"maxVersion"`
	Pod        json.RawMessage `json:"pod"`
}

type response struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
	Detail  string `json:"detail"`
	Error   string `json:"error,omitempty"`
}

// evaluators caches one evaluator per maxVersion ("" means uncapped).
type evaluators map[string]policy.Evaluator

func (e evaluators) get(maxVersion *string) (policy.Evaluator, error) {
	key := ""
	if maxVersion != nil {
		key = *maxVersion
	}
	if ev, ok := e[key]; ok {
		return ev, nil
	}
	var emulation *api.Version
	if maxVersion != nil {
		v, err := api.ParseVersion(*maxVersion)
		if err != nil {
			return nil, fmt.Errorf("maxVersion: %w", err)
		}
		emulation = &v
	}
	ev, err := policy.NewEvaluator(policy.DefaultChecks(), emulation)
	if err != nil {
		return nil, err
	}
	e[key] = ev
	return ev, nil
}

func (e evaluators) evaluate(line []byte) response {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return response{Error: "request: " + err.Error()}
	}
	level, err := api.ParseLevel(req.Level)
	if err != nil {
		return response{Error: "level: " + err.Error()}
	}
	version, err := api.ParseVersion(req.Version)
	if err != nil {
		return response{Error: "version: " + err.Error()}
	}
	// Case-sensitive like the API server's decoder, so "HostNetwork" is not hostNetwork.
	var pod corev1.Pod
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(req.Pod, &pod); err != nil {
		return response{Error: "pod: " + err.Error()}
	}
	ev, err := e.get(req.MaxVersion)
	if err != nil {
		return response{Error: err.Error()}
	}
	lv := api.LevelVersion{Level: level, Version: version}
	agg := policy.AggregateCheckResults(ev.EvaluatePod(lv, &pod.ObjectMeta, &pod.Spec))
	return response{Allowed: agg.Allowed, Reason: agg.ForbiddenReason(), Detail: agg.ForbiddenDetail()}
}

func run(in io.Reader, out io.Writer) error {
	reader := bufio.NewReaderSize(in, 1<<20)
	writer := bufio.NewWriterSize(out, 1<<20)
	encoder := json.NewEncoder(writer)
	cache := evaluators{}
	for {
		line, readErr := reader.ReadBytes('\n')
		if len(line) > 0 {
			if err := encoder.Encode(cache.evaluate(line)); err != nil {
				return err
			}
		}
		if readErr == io.EOF {
			return writer.Flush()
		}
		if readErr != nil {
			return readErr
		}
		// Flush only when the next read would block, so a batch streams fast
		// and an interactive caller still gets each answer.
		if reader.Buffered() == 0 {
			if err := writer.Flush(); err != nil {
				return err
			}
		}
	}
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "psa-oracle:", err)
		os.Exit(1)
	}
}
