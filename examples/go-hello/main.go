// Command go-hello is the smallest slimfront example: a standard-library
// HTTP server that also proves the image carries time zone data and CA
// certificates (scratch images have neither unless the frontend adds them).
package main

import (
	"crypto/x509"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"
)

// zone is looked up at request time from the image's zoneinfo; the binary
// deliberately does not embed time/tzdata.
const zone = "Europe/Paris"

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from slimfront (uid %d)\n", os.Getuid())
	})
	mux.HandleFunc("GET /tz", func(w http.ResponseWriter, r *http.Request) {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			http.Error(w, "no time zone data: "+err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%s %s\n", zone, time.Now().In(loc).Format("2006-01-02 15:04:05 MST"))
	})
	mux.HandleFunc("GET /certs", func(w http.ResponseWriter, r *http.Request) {
		pool, err := x509.SystemCertPool()
		if err != nil {
			http.Error(w, "no system roots: "+err.Error(), http.StatusInternalServerError)
			return
		}
		// Subjects is deprecated only for pools backed by a platform verifier
		// (macOS, Windows); on Linux it lists the roots loaded from disk.
		n := len(pool.Subjects()) //nolint:staticcheck
		if n == 0 {
			http.Error(w, "system roots: 0", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "system roots: %d\n", n)
	})

	srv := &http.Server{
		Addr:              ":" + port,
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
	}
	log.Printf("go-hello listening on :%s", port)
	log.Fatal(srv.ListenAndServe())
}
