package handlers

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
)

// greeting is the word /hello/{name} answers with; the e2e cache test edits
// this line to prove that a source change rebuilds only the binary.
const greeting = "hello"

func index(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, "go-router: try /hello/{name}")
}

func hello(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "%s, %s\n", greeting, chi.URLParam(r, "name"))
}

func healthz(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, "ok")
}
