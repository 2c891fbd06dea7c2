// worker is the repository's second program (built with
// --build-arg SLIM_ENTRYPOINT=./cmd/worker); it reports its health over HTTP.
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
		fmt.Fprintf(w, "%s; worker version %s idle\n", greeting.For("worker"), version)
	})
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
