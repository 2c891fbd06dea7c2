// Package requestid tags every response with a random X-Request-Id.
package requestid

import (
	"net/http"

	"github.com/google/uuid"
)

// Header is the response header carrying the request id.
const Header = "X-Request-Id"

// Middleware sets Header on every response, keeping an id sent by the client.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(Header)
		if _, err := uuid.Parse(id); err != nil {
			id = uuid.NewString()
		}
		w.Header().Set(Header, id)
		next.ServeHTTP(w, r)
	})
}
