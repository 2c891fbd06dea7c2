// Command server is the go-router example: a multi-package service using a
// third-party router, built by slimfront from ./cmd/server.
package main

import (
	"log"
	"net/http"
	"os"
	"time"

	"example.com/go-router/internal/handlers"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	srv := &http.Server{
		Addr:              ":" + port,
		Handler:           handlers.Router(),
		ReadHeaderTimeout: 5 * time.Second,
	}
	log.Printf("go-router listening on :%s", port)
	log.Fatal(srv.ListenAndServe())
}
