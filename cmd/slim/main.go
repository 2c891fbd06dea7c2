// Command slim is the slimfront CLI; see `slim -h`.
package main

import (
	"os"

	"github.com/slimfront/slimfront/internal/cli"
)

// Version is set at link time (-X main.Version=...).
var Version = "dev"

func main() {
	cli.Version = Version
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
