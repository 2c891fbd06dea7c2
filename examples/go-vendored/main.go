// The server answers with a greeting from a vendored internal module and the
// version stamped at build time (-X main.version).
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"corp.example.internal/greeting"
)

// version is set by -ldflags "-X main.version=..." ([build] ldflags).
var version = "unset"

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s; server version %s\n", greeting.For("server"), version)
	})
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
