// Command psp-oracle runs the in-tree PodSecurityPolicy provider of Kubernetes v1.24
// (k8s.io/kubernetes/pkg/security/podsecuritypolicy) on JSON lines read from stdin:
//
//	{"psp": <policy/v1beta1 PodSecurityPolicy>, "pod": <v1 Pod>, "mutate": true|false}
//
// and answers one JSON line per request:
//
//	{"errors": [<field.Error strings>], "mutated": bool, "pod": <v1 Pod after MutatePod>}
//	{"error": "<why the request could not be evaluated>"}
//
// The pod is converted to the internal type without defaulting, exactly as the Python
// engine receives it; the PSP gets its API default (allowPrivilegeEscalation: true).
package main

import (
	"bufio"
	"encoding/json"
	"os"

	corev1 "k8s.io/api/core/v1"
	policy "k8s.io/api/policy/v1beta1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	api "k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	policyv1beta1 "k8s.io/kubernetes/pkg/apis/policy/v1beta1"
	psp "k8s.io/kubernetes/pkg/security/podsecuritypolicy"
)

type request struct {
	PSP    policy.PodSecurityPolicy `json:"psp"`
	Pod    corev1.Pod               `json:"pod"`
	Mutate bool                     `json:"mutate"`
}

type response struct {
	Errors  []string    `json:"errors"`
	Mutated bool        `json:"mutated"`
	Pod     *corev1.Pod `json:"pod,omitempty"`
	Error   string      `json:"error,omitempty"`
}

func evaluate(line []byte) response {
	var in request
	if err := json.Unmarshal(line, &in); err != nil {
		return response{Error: err.Error()}
	}
	policyv1beta1.SetDefaults_PodSecurityPolicySpec(&in.PSP.Spec)
	pod := &api.Pod{}
	if err := legacyscheme.Scheme.Convert(&in.Pod, pod, nil); err != nil {
		return response{Error: err.Error()}
	}
	provider, err := psp.NewSimpleProvider(&in.PSP, "team", psp.NewSimpleStrategyFactory())
	if err != nil {
		return response{Error: err.Error()}
	}
	original := pod.DeepCopy()
	if in.Mutate {
		if err := provider.MutatePod(pod); err != nil {
			return response{Error: err.Error()}
		}
	}
	out := response{Errors: []string{}, Mutated: !apiequality.Semantic.DeepEqual(original, pod)}
	for _, e := range provider.ValidatePod(pod) {
		out.Errors = append(out.Errors, e.Error())
	}
	out.Pod = &corev1.Pod{}
	if err := legacyscheme.Scheme.Convert(pod, out.Pod, nil); err != nil {
		return response{Error: err.Error()}
	}
	return out
}

func main() {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<26)
	encoder := json.NewEncoder(os.Stdout)
	for scanner.Scan() {
		if err := encoder.Encode(evaluate(scanner.Bytes())); err != nil {
			os.Exit(1)
		}
	}
	if scanner.Err() != nil {
		os.Exit(1)
	}
}
