package main

import "runtime/debug"

var syftModuleVersion = func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/anchore/syft" {
				return d.Version
			}
		}
	}
	return "unknown"
}()
