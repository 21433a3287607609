"""Entry point of the frozen `kubectl-podsec` (built by scripts/build-binary).

It calls the package's `main`, nothing more, unless _KUBECTL_PODSEC_FROZEN_SELFTEST is set: then
it imports what the bundle must carry although offline commands never touch it (the `kubernetes`
client, which the cluster code imports lazily and which itself loads its API and model classes by
name; PyYAML's C loader; TLS) and prints a JSON report. With the value `server` it also asks the
API server of the current kubeconfig context (or $_KUBECTL_PODSEC_FROZEN_SELFTEST_CONTEXT) for its
version through that client. The packaging tests use it to prove that the bundle is complete.
"""

from __future__ import annotations

import os
import sys


def self_test(mode: str) -> int:
    import importlib
    import importlib.util
    import json
    import ssl

    import yaml

    report: dict[str, object] = {
        "frozen": bool(getattr(sys, "frozen", False)),
        "yamlLibyaml": bool(getattr(yaml, "__with_libyaml__", False)),
        "openssl": ssl.OPENSSL_VERSION,
    }
    modules = ["kubernetes", "kubernetes.client", "kubernetes.config", "kubernetes.watch",
               "kubernetes.dynamic", "kubernetes.stream", "kubernetes.config.exec_provider",
               "kubernetes.client.exceptions", "kubernetes.client.rest"]
    modules.append("kubectl_podsec.kube.client")  # the package's edge to the API server
    for name in modules:
        importlib.import_module(name)
    import kubernetes.client as client

    # Classes the generated client resolves lazily by name (module __getattr__ + import_module).
    for name in ("CoreV1Api", "VersionApi", "AuthorizationV1Api", "RbacAuthorizationV1Api",
                 "V1Pod", "V1Namespace", "V1SelfSubjectAccessReview", "VersionInfo"):
        getattr(client, name)
    report["imported"] = modules
    report["kubernetesVersion"] = client.__version__
    ssl.create_default_context()
    if mode == "server":
        import kubernetes.config

        kubernetes.config.load_kube_config(
            context=os.environ.get("_KUBECTL_PODSEC_FROZEN_SELFTEST_CONTEXT") or None)
        report["serverVersion"] = client.VersionApi().get_code().git_version
    print(json.dumps(report, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    _mode = os.environ.get("_KUBECTL_PODSEC_FROZEN_SELFTEST")
    if _mode:
        sys.exit(self_test(_mode))
    from kubectl_podsec.cli.main import main

    main()
