package main

import "runtime/debug"

// debugBuildInfo names the k8s.io/api module version the binary was built with.
func debugBuildInfo() (string, bool) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", false
	}
	for _, m := range info.Deps {
		if m.Path == "k8s.io/api" {
			return m.Version, true
		}
	}
	return "", false
}
