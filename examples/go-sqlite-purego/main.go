// go-sqlite-purego is examples/go-sqlite with modernc.org/sqlite, SQLite
// translated to Go: no cgo, a static binary (CGO_ENABLED=0) and no C library
// in the image. bench compares its image sizes with go-sqlite's per base.
package main

import (
	"database/sql"
	"fmt"
	"log"
	"net/http"
	"os"

	_ "modernc.org/sqlite"
)

func main() {
	db, err := sql.Open("sqlite", "file::memory:?cache=shared")
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE views (id INTEGER PRIMARY KEY AUTOINCREMENT)`); err != nil {
		log.Fatalf("create table: %v", err)
	}
	var version string
	if err := db.QueryRow(`SELECT sqlite_version()`).Scan(&version); err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if _, err := db.Exec(`INSERT INTO views DEFAULT VALUES`); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM views`).Scan(&n); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "sqlite %s (pure Go) counted %d views\n", version, n)
	})
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
