//go:build tools

// Package tools pins krew and its manifest validator (the krew-index checks), which the
// distribution test builds and runs against our generated manifest.
package tools

import (
	_ "sigs.k8s.io/krew/cmd/krew"
	_ "sigs.k8s.io/krew/cmd/validate-krew-manifest"
)
