// Package handlers wires the HTTP routes of the go-router example.
package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"example.com/go-router/internal/requestid"
)

// Router returns the service's routes.
func Router() http.Handler {
	r := chi.NewRouter()
	r.Use(requestid.Middleware)
	r.Use(middleware.Recoverer)
	r.Get("/", index)
	r.Get("/hello/{name}", hello)
	r.Get("/healthz", healthz)
	return r
}
